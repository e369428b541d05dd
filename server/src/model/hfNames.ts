// Hugging Face llama/qwen2/qwen3 tensor names → canonical GGUF names (as llama.cpp's converter maps them).
import { HydrapatchError } from '../../../src/protocol/errors';

const layerNames: Record<string, string> = {
  'input_layernorm.weight': 'attn_norm.weight',
  'self_attn.q_proj.weight': 'attn_q.weight',
  'self_attn.k_proj.weight': 'attn_k.weight',
  'self_attn.v_proj.weight': 'attn_v.weight',
  'self_attn.o_proj.weight': 'attn_output.weight',
  'self_attn.q_proj.bias': 'attn_q.bias',
  'self_attn.k_proj.bias': 'attn_k.bias',
  'self_attn.v_proj.bias': 'attn_v.bias',
  'self_attn.q_norm.weight': 'attn_q_norm.weight',
  'self_attn.k_norm.weight': 'attn_k_norm.weight',
  'post_attention_layernorm.weight': 'ffn_norm.weight',
  'mlp.gate_proj.weight': 'ffn_gate.weight',
  'mlp.up_proj.weight': 'ffn_up.weight',
  'mlp.down_proj.weight': 'ffn_down.weight',
};

const globalNames: Record<string, string> = {
  'model.embed_tokens.weight': 'token_embd.weight',
  'model.norm.weight': 'output_norm.weight',
  'lm_head.weight': 'output.weight',
};

/** The GGUF name, or undefined for tensors the engine does not use (e.g. rotary_emb.inv_freq). */
export function hfToGgufName(name: string): string | undefined {
  const global = globalNames[name];
  if (global) return global;
  const m = /^model\.layers\.(\d+)\.(.+)$/.exec(name);
  if (!m) return undefined;
  const rest = layerNames[m[2]];
  return rest && `blk.${m[1]}.${rest}`;
}

/** The inverse, for writing safetensors copies. */
export function ggufToHfName(name: string): string {
  for (const [hf, gg] of Object.entries(globalNames)) if (gg === name) return hf;
  const m = /^blk\.(\d+)\.(.+)$/.exec(name);
  if (m) for (const [hf, gg] of Object.entries(layerNames)) if (gg === m[2]) return `model.layers.${m[1]}.${hf}`;
  throw new HydrapatchError('internal', `no Hugging Face name for tensor ${name}`, 'Only llama/qwen2 tensors can be written as a Hugging Face checkpoint.');
}
