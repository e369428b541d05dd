// GPT-2's byte-to-unicode table: every byte gets a printable character so that byte-level BPE tokens
// are plain strings (a space is "Ġ", a newline "Ċ").

const byteToChar: string[] = [];
const charToByte = new Map<string, number>();
{
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    const ch = String.fromCodePoint(printable ? b : 256 + extra++);
    byteToChar.push(ch);
    charToByte.set(ch, b);
  }
}

export function bytesToByteLevel(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += byteToChar[b];
  return s;
}

export function byteLevelToBytes(text: string): number[] {
  const out: number[] = [];
  for (const ch of text) {
    const b = charToByte.get(ch);
    if (b !== undefined) out.push(b);
    else out.push(...Buffer.from(ch, 'utf8'));
  }
  return out;
}
