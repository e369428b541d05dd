// A sequence's text as it grows, without decoding the whole sequence at every step. Each step decodes
// a short window: the tokens of the last settled step (the context) and those after them. The context
// is decoded with them because a tokenizer's decode depends on where a text starts (SPM drops the
// space of the first token); the text the new tokens add is what the window has beyond the context.
// A token may end inside a UTF-8 character: the decoder shows the unfinished bytes as U+FFFD, and the
// next token may finish them, so a trailing run of U+FFFD is held back until text follows it.
import type { Tokenizer } from '../model/types';

const REPLACEMENT = '\uFFFD';

export class TextStream {
  /** The window starts at token `from`; tokens [from, read) are its context, already given out. */
  private from = 0;
  private read = 0;
  /** Length of the context's own decode. */
  private contextLength = 0;
  /** Characters after the context already given out while the window's end was unsettled. */
  private given = 0;

  constructor(private readonly tokenizer: Pick<Tokenizer, 'decode'>) {}

  /**
   * The text that the tokens since the last call add to `tokens` (every token of the sequence so far,
   * in order) and that no later token can change.
   */
  push(tokens: readonly number[]): string {
    const window = this.tokenizer.decode(tokens.slice(this.from));
    const start = this.contextLength + this.given;
    let end = window.length;
    while (end > start && window[end - 1] === REPLACEMENT) end--;
    const fresh = window.slice(start, end);
    if (end === window.length) {
      // Settled to its end: the tokens just read become the next window's context.
      this.from = this.read;
      this.read = tokens.length;
      this.contextLength = this.tokenizer.decode(tokens.slice(this.from, this.read)).length;
      this.given = 0;
    } else {
      this.given = end - this.contextLength;
    }
    return fresh;
  }
}
