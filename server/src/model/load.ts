// The one entry point: a .gguf file or a Hugging Face safetensors folder → LoadedModel.
import { loadGgufModel } from './ggufModel';
import { statModelPath } from './openModelFile';
import { loadSafetensorsModel } from './safetensorsModel';
import type { LoadedModel } from './types';

export async function loadModel(path: string): Promise<LoadedModel> {
  return statModelPath(path).isDirectory() ? loadSafetensorsModel(path) : loadGgufModel(path);
}
