// Every problem with a model file becomes one HydrapatchError whose message starts with the file, so
// a user with several checkpoints knows which one is broken.
import type { ErrorCode } from '../../../src/protocol/errorCodes';
import { HydrapatchError } from '../../../src/protocol/errors';

/** The catalogue's model-file codes (all named model_*). */
export type ModelErrorCode = Extract<ErrorCode, `model_${string}`>;

const defaultHints: Record<ModelErrorCode, string> = {
  model_not_found: 'Give the path of a .gguf file or of a Hugging Face folder with config.json and *.safetensors.',
  model_truncated: 'The file is incomplete (an interrupted download or copy?): download it again.',
  model_bad_magic: 'This is not a GGUF file: give a .gguf file or a Hugging Face safetensors folder.',
  model_unsupported_version: 'Convert the model again with a recent llama.cpp (GGUF v3).',
  model_bad_header: 'The file header is damaged: download or convert the model again.',
  model_unsupported_arch: 'Supported architectures are llama, qwen2 and qwen3; pick a model of one of those families.',
  model_unsupported_tensor_type: 'Use a model quantised as F32, F16 or Q8_0.',
  model_missing_tensor: 'The checkpoint is incomplete or of another architecture: convert it again.',
  model_bad_shape: 'The weights do not fit the model config: convert the model again.',
  model_bad_weights: 'The weights are damaged: download or convert the model again.',
  model_misaligned: 'The file does not follow the GGUF alignment rules: convert it again with llama.cpp.',
  model_vocab_mismatch: 'The tokenizer and the embedding table disagree: use the tokenizer that belongs to this model.',
  model_bad_config: 'Fix config.json (or the GGUF metadata), or convert the model again.',
  model_bad_tokenizer: 'Use the tokenizer files that came with the model.',
  model_chat_template: 'Change the conversation to what the model\'s template accepts (e.g. alternate user and assistant turns), or send a plain prompt.',
};

export function modelError(code: ModelErrorCode, file: string, problem: string, hint?: string): HydrapatchError {
  return new HydrapatchError(code, `${file}: ${problem}`, hint ?? defaultHints[code]);
}

/** A name or value from a file, quoted for an error message: escaped, and cut short whatever its length. */
export function excerpt(value: string, max = 80): string {
  if (/^[\w.:/+-]*$/.test(value) && value.length <= max) return value;
  return value.length <= max ? JSON.stringify(value) : `${JSON.stringify(value.slice(0, max))}… (${value.length} characters)`;
}
