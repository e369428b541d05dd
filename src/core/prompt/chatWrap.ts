// How a prompt becomes model input. Chat models need their chat template around the messages; the
// prompt tree is text, so the template is reduced to the three strings around the system and user
// messages. Rendering the template once with sentinel messages and splitting at the sentinels gives
// them for any template, so the shared prefix (system + most of the user message) stays a prefix.

import type { ChatWrap } from '../../protocol/chatWrap';

export type ChatMessage = { role: 'system' | 'user' | 'assistant'; content: string };

/** The wrap's type lives in src/protocol: the server derives one from a model's template and sends it. */
export type { ChatWrap };

/** Plain text, no template: for base models and the demo model. */
export const plainWrap: ChatWrap = { beforeSystem: '', betweenSystemAndUser: '\n\n', afterUser: '\n\n' };

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

const SYS = '\u0001HYDRAPATCH_SYSTEM\u0001';
const USR = '\u0001HYDRAPATCH_USER\u0001';

/**
 * Derive the wrap from a template renderer (e.g. the model's Jinja chat template with
 * add_generation_prompt). `bos` is stripped from the start when the template writes it itself.
 * Templates without a system role get the system text at the start of the user message.
 */
export function chatWrapFromTemplate(render: (messages: ChatMessage[]) => string, bos = ''): ChatWrap {
  const strip = (s: string) => (bos && s.startsWith(bos) ? s.slice(bos.length) : s);
  try {
    const text = strip(render([{ role: 'system', content: SYS }, { role: 'user', content: USR }]));
    const s = text.indexOf(SYS);
    const u = text.indexOf(USR);
    if (s >= 0 && u > s) {
      return { beforeSystem: text.slice(0, s), betweenSystemAndUser: text.slice(s + SYS.length, u), afterUser: text.slice(u + USR.length) };
    }
  } catch {
    // Some templates raise on a system message; fall through to the user-only form.
  }
  const text = strip(render([{ role: 'user', content: USR }]));
  const u = text.indexOf(USR);
  return { beforeSystem: text.slice(0, u), betweenSystemAndUser: '\n\n', afterUser: text.slice(u + USR.length) };
}
