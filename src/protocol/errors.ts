// One error type for the whole product: a code a program can switch on, a message that says what was
// wrong, and a hint that says what to do. Thrown as a class, sent over the wire as data.

export interface ErrorData {
  code: string;
  message: string;
  hint?: string;
}

export class HydrapatchError extends Error implements ErrorData {
  readonly code: string;
  readonly hint?: string;

  constructor(code: string, message: string, hint?: string, options?: { cause?: unknown }) {
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

  static from(err: unknown, fallbackCode = 'internal'): HydrapatchError {
    if (err instanceof HydrapatchError) return err;
    const message = err instanceof Error ? err.message : String(err);
    return new HydrapatchError(fallbackCode, message, undefined, { cause: err });
  }
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
