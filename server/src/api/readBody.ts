// Reads an HTTP request body up to a limit. A body over the limit is refused as soon as it passes it,
// without buffering the rest.
import type { IncomingMessage } from 'node:http';
import { HydrapatchError } from '../../../src/protocol/errors';

export function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      reject(tooLarge(declared, maxBytes));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > maxBytes) {
        done = true;
        reject(tooLarge(size, maxBytes));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', (err) => {
      if (done) return;
      done = true;
      reject(err);
    });
  });
}

function tooLarge(size: number, max: number): HydrapatchError {
  return new HydrapatchError('message_too_large', `the request body has ${size} bytes or more; the limit is ${max}`, 'Send a shorter prompt.');
}
