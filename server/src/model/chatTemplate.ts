// Chat templates (Jinja, as in tokenizer.chat_template / tokenizer_config.json) through @huggingface/jinja.
// A template is code from the model file: each rendering runs under a time budget (vm's watchdog
// interrupts a runaway loop, which plain try/catch cannot) and its output under a size budget.
import { runInNewContext } from 'node:vm';
import { Template } from '@huggingface/jinja';
import { modelError } from './modelError';

export const templateBudget = { timeMs: 2000, outputChars: 4 * 1024 * 1024 };

export type ChatMessage = { role: string; content: string };

export function chatTemplateRenderer(
  source: string,
  file: string,
  specials: { bosToken?: string; eosToken?: string },
): (messages: ChatMessage[]) => string {
  let template: Template;
  try {
    template = new Template(source);
  } catch (err) {
    throw modelError('model_bad_tokenizer', file, `the chat template does not parse: ${(err as Error).message}`);
  }
  return (messages) => {
    let out: string;
    try {
      const render = () =>
        template.render({
          messages,
          add_generation_prompt: true,
          bos_token: specials.bosToken ?? '',
          eos_token: specials.eosToken ?? '',
        });
      out = runInNewContext('render()', { render }, { timeout: templateBudget.timeMs }) as string;
    } catch (err) {
      if ((err as { code?: unknown }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
        throw modelError('model_bad_tokenizer', file, `the chat template ran longer than ${templateBudget.timeMs} ms`, 'The template loops far longer than any chat needs: use the template that came with the model, or send a plain prompt.');
      }
      // Templates reject conversations they cannot express (raise_exception), e.g. roles that do not
      // alternate: that is a problem with the request, reported as such.
      throw modelError('model_chat_template', file, `the chat template refused the conversation: ${(err as Error).message.slice(0, 300)}`);
    }
    if (out.length > templateBudget.outputChars + messages.reduce((n, m) => n + m.content.length, 0)) {
      throw modelError('model_bad_tokenizer', file, `the chat template wrote ${out.length} characters, far more than the conversation it wraps`, 'Use the template that came with the model, or send a plain prompt.');
    }
    return out;
  };
}
