// Two well-known chat templates cut by hand into ChatWraps: what the server's derivation
// (server/src/model/chatWrap.ts) must find for ChatML and Llama 3 models.
import type { ChatWrap } from '../../src/protocol/chatWrap';

/** ChatML (Qwen2, Qwen2.5-Coder). */
export const chatmlWrap: ChatWrap = {
  beforeSystem: '<|im_start|>system\n',
  betweenSystemAndUser: '<|im_end|>\n<|im_start|>user\n',
  afterUser: '<|im_end|>\n<|im_start|>assistant\n',
};

/** Llama 3 instruct. */
export const llama3Wrap: ChatWrap = {
  beforeSystem: '<|start_header_id|>system<|end_header_id|>\n\n',
  betweenSystemAndUser: '<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n',
  afterUser: '<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n',
};
