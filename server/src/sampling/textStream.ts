// A sequence's text as it grows, without decoding the whole sequence at every step. Each step decodes
// a short window: the last few characters' tokens (the context, already given out) and the new ones.
// The context is decoded with them because a tokenizer's decode depends on where a text starts (SPM
// drops the space of the first token); the text the new tokens add is what the window has beyond it.
// A token may end inside a UTF-8 character: the decoder shows the unfinished bytes as U+FFFD, and the
// next token may finish them, so a trailing run of U+FFFD is held back until text follows it.
// A decoder may also change text it gave out before (Hugging Face's clean-up of spaces before
// punctuation: "a 's" is "a's" once the "s" arrives). The context reaches back far enough to see such
// a change; seen once, the stream decodes the whole sequence from then on and hands out the whole text
// again each time it changes.
import type { Tokenizer } from '../model/types';

const REPLACEMENT = '\uFFFD';
/** Characters of given-out text the window keeps in its context (HF's clean-up reaches back 3: " 're"). */
const CONTEXT_CHARS = 8;

/** What a push adds to the text: more text at its end, or the whole text anew. */
export type TextUpdate = { append: string } | { replace: string };

export class TextStream {
  /** The window's first token. */
  private from = 0;
  /** The window's text given out so far: its context's decode and what followed it. */
  private given = '';
  /** Set once the decoder changed given-out text: the window then always starts at the first token. */
  private whole = false;

  constructor(private readonly tokenizer: Pick<Tokenizer, 'decode'>) {}

  /**
   * What the tokens since the last call (`tokens` holds every token of the sequence so far, in order)
   * do to the text; an unfinished character at its end is left for a later call.
   */
  push(tokens: readonly number[]): TextUpdate {
    let window = this.tokenizer.decode(tokens.slice(this.from));
    const rewritten = !window.startsWith(this.given);
    if (rewritten && !this.whole) {
      this.whole = true;
      this.from = 0;
      window = this.tokenizer.decode([...tokens]);
    }
    const start = rewritten ? 0 : this.given.length;
    let end = window.length;
    while (end > start && window[end - 1] === REPLACEMENT) end--;
    const text = window.slice(start, end);
    if (end === window.length && !this.whole) {
      // Settled to its end: the next window starts with the last tokens that make CONTEXT_CHARS characters.
      const first = this.from;
      this.from = tokens.length;
      do {
        this.from--;
        this.given = this.tokenizer.decode(tokens.slice(this.from));
      } while (this.given.length < CONTEXT_CHARS && this.from > first);
    } else {
      this.given = window.slice(0, end);
    }
    return rewritten ? { replace: text } : { append: text };
  }
}
