// A model's chat template reduced to a ChatWrap (src/protocol/chatWrap.ts) for clients that build
// prompt trees: rendered once with sentinel messages and cut at the sentinels. The server sends it in
// its model info, so this is the one place the cut is made. The BOS the template writes is recognised
// by its token id, since the tokenizer knows it and not its text.
import type { ChatWrap } from '../../../src/protocol/chatWrap';
import type { Tokenizer } from './types';

const SYS = '\u0001HYDRAPATCH_SYSTEM\u0001';
const USR = '\u0001HYDRAPATCH_USER\u0001';

/** The wrap of the tokenizer's chat template; undefined without a template or when it cannot be cut. */
export function chatWrapOf(tokenizer: Tokenizer): ChatWrap | undefined {
  const render = tokenizer.applyChatTemplate?.bind(tokenizer);
  return render && chatWrapFromRenderer(render, (head) => withoutBos(head, tokenizer));
}

/**
 * The wrap of any renderer of messages (a chat template with the generation prompt added): rendered
 * with sentinel messages and cut at them. `stripBos` takes the BOS the template writes off the head.
 * Templates without a system role get the system text at the start of the user message.
 */
export function chatWrapFromRenderer(render: (messages: { role: string; content: string }[]) => string, stripBos: (head: string) => string = (h) => h): ChatWrap | undefined {
  const attempt = (messages: { role: string; content: string }[]): string | undefined => {
    try {
      return render(messages);
    } catch {
      // Templates that raise on a system message (or on anything): try the user-only form, else none.
      return undefined;
    }
  };
  const full = attempt([{ role: 'system', content: SYS }, { role: 'user', content: USR }]);
  if (full !== undefined) {
    const s = full.indexOf(SYS);
    const u = full.indexOf(USR);
    if (s >= 0 && u > s) {
      return {
        beforeSystem: stripBos(full.slice(0, s)),
        betweenSystemAndUser: full.slice(s + SYS.length, u),
        afterUser: full.slice(u + USR.length),
      };
    }
  }
  // No system role (or the template drops it): the system text goes at the start of the user message.
  const user = attempt([{ role: 'user', content: USR }]);
  const u = user?.indexOf(USR) ?? -1;
  if (user === undefined || u < 0) return undefined;
  return { beforeSystem: stripBos(user.slice(0, u)), betweenSystemAndUser: '\n\n', afterUser: user.slice(u + USR.length) };
}

/** `head` without the BOS the template wrote at its start: the prompt tree's `bos` adds that token. */
function withoutBos(head: string, tokenizer: Tokenizer): string {
  const bos = tokenizer.bosId;
  if (bos === undefined || head.length === 0 || tokenizer.encode(head, { addBos: false })[0] !== bos) return head;
  for (let k = 1; k <= head.length; k++) {
    const ids = tokenizer.encode(head.slice(0, k), { addBos: false });
    if (ids.length === 1 && ids[0] === bos) return head.slice(k);
  }
  return head;
}
