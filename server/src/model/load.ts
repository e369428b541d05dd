// The one entry point: a .gguf file or a Hugging Face safetensors folder → LoadedModel.
import { statSync } from 'node:fs';
import { loadGgufModel } from './ggufModel';
import { modelError } from './modelError';
import { loadSafetensorsModel } from './safetensorsModel';
import type { LoadedModel } from './types';

export async function loadModel(path: string): Promise<LoadedModel> {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) throw modelError('model_not_found', path, 'does not exist');
  return stat.isDirectory() ? loadSafetensorsModel(path) : loadGgufModel(path);
}
