// Opening a model file: a missing or unreadable file is one model_not_found error naming it.
import { openSync } from 'node:fs';
import { modelError } from './modelError';

export function openModelFile(path: string): number {
  try {
    return openSync(path, 'r');
  } catch (err) {
    throw modelError('model_not_found', path, `cannot open: ${(err as Error).message}`);
  }
}
