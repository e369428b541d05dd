// Chat templates (Jinja, as in tokenizer.chat_template / tokenizer_config.json) through @huggingface/jinja.
import { Template } from '@huggingface/jinja';
import { modelError } from './modelError';

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
    try {
      return template.render({
        messages,
        add_generation_prompt: true,
        bos_token: specials.bosToken ?? '',
        eos_token: specials.eosToken ?? '',
      });
    } catch (err) {
      // Templates reject conversations they cannot express (raise_exception), e.g. roles that do not
      // alternate: that is a problem with the request, reported as such.
      throw modelError('model_chat_template', file, `the chat template refused the conversation: ${(err as Error).message}`);
    }
  };
}
