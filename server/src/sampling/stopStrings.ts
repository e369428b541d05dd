// Stop strings: generation ends before the first occurrence of any of them; the text excludes it.
// Checked as the text grows: each step searches only the new text plus the characters before it that
// a stop string could start in (one fewer than the longest), so a stop string split across tokens is
// found and a step costs the same at token 10 and token 10 000.
import type { Tokenizer } from '../model/types';
import { TextStream } from './textStream';

/** Index of the earliest stop string in `text`, or -1. */
export function findStop(text: string, stop: readonly string[]): number {
  let best = -1;
  for (const s of stop) {
    const i = text.indexOf(s);
    if (i >= 0 && (best < 0 || i < best)) best = i;
  }
  return best;
}

export class StopScanner {
  private readonly stream: TextStream;
  /** Characters of the text so far that a stop string ending in later text could start in. */
  private readonly keep: number;
  private tail = '';
  private readonly chunks: string[] = [];

  constructor(
    tokenizer: Pick<Tokenizer, 'decode'>,
    private readonly stop: readonly string[],
  ) {
    this.stream = new TextStream(tokenizer);
    this.keep = Math.max(0, ...stop.map((s) => s.length)) - 1;
  }

  /**
   * Reads the sequence's tokens (every one so far, the newest last). Once its text holds a stop string,
   * returns the text before it; until then undefined.
   */
  push(tokens: readonly number[]): string | undefined {
    const update = this.stream.push(tokens);
    if ('replace' in update) {
      // The decoder changed earlier text: search all of it again.
      this.chunks.length = 0;
      this.tail = '';
    }
    const fresh = 'replace' in update ? update.replace : update.append;
    if (fresh === '') return undefined;
    const window = this.tail + fresh;
    const at = findStop(window, this.stop);
    if (at >= 0) {
      // The match may begin in the tail, which the chunks already hold.
      const text = this.chunks.join('') + fresh;
      return text.slice(0, text.length - (window.length - at));
    }
    this.chunks.push(fresh);
    this.tail = window.slice(Math.max(0, window.length - this.keep));
    return undefined;
  }
}
