// One error type for the whole product: a code a program can switch on, a message that says what was
// wrong, and a hint that says what to do. Thrown as a class, sent over the wire as data. The codes and
// what each means: errorCodes.ts.
import { normalizeErrorCode, type ErrorCode } from './errorCodes';

export interface ErrorData {
  code: ErrorCode;
  message: string;
  hint?: string;
}

export class HydrapatchError extends Error implements ErrorData {
  readonly code: ErrorCode;
  readonly hint?: string;

  constructor(code: ErrorCode, message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HydrapatchError';
    this.code = code;
    this.hint = hint;
  }

  toData(): ErrorData {
    return this.hint === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, hint: this.hint };
  }

  static from(err: unknown, fallbackCode: ErrorCode = 'internal'): HydrapatchError {
    if (err instanceof HydrapatchError) return err;
    const message = err instanceof Error ? err.message : String(err);
    return new HydrapatchError(fallbackCode, message, undefined, { cause: err });
  }
}

/**
 * An error as another process sent it: its code in this version's catalogue (an old peer's casing or
 * retired alias mapped), or 'remote_error' with the unknown code kept in the message.
 */
export function errorDataFromWire(received: { code: string; message: string; hint?: string }): ErrorData {
  const known = normalizeErrorCode(received.code);
  const code = known ?? 'remote_error';
  const message = known ? received.message : `${received.message} (code ${JSON.stringify(received.code.slice(0, 64))})`;
  return received.hint === undefined ? { code, message } : { code, message, hint: received.hint };
}

/** "message (hint)" on one line, for terminals and logs. */
export function formatError(err: ErrorData): string {
  return err.hint ? `${err.message}\n  hint: ${err.hint}` : err.message;
}

/**
 * The message and its hint as sentences, for a notification: "the tests did not run: … . Install
 * bubblewrap, …." — never run together as one ("… agreement install bubblewrap …").
 */
export function errorSentences(err: ErrorData): string {
  const sentence = (s: string) => (/[.!?]$/.test(s.trim()) ? s.trim() : `${s.trim()}.`);
  if (!err.hint) return sentence(err.message);
  const hint = sentence(err.hint);
  return `${sentence(err.message)} ${hint.charAt(0).toUpperCase()}${hint.slice(1)}`;
}
