// A file as lines plus how to write it back: its line ending and whether it ends with one. Edits work
// on lines without endings, so CRLF files and files missing a final newline need no special case.

export interface TextLines {
  lines: string[];
  eol: '\n' | '\r\n';
  finalNewline: boolean;
}

export function splitLines(text: string): TextLines {
  const crlf = (text.match(/\r\n/g)?.length ?? 0);
  const lf = (text.match(/\n/g)?.length ?? 0);
  const eol = crlf > 0 && crlf * 2 >= lf ? '\r\n' : '\n';
  if (text === '') return { lines: [], eol, finalNewline: true };
  const finalNewline = text.endsWith('\n');
  const body = finalNewline ? text.slice(0, -1) : text;
  const lines = body.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  return { lines, eol, finalNewline };
}

export function joinLines(t: TextLines): string {
  if (t.lines.length === 0) return '';
  return t.lines.join(t.eol) + (t.finalNewline ? t.eol : '');
}
