// Who may talk to the server: a client that knows the token (given at start), from no web origin or
// from a VS Code webview / the server's own origin. A web page in the user's browser can reach
// 127.0.0.1 too, so both checks run on every HTTP request and every WebSocket upgrade.
import { timingSafeEqual, createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HydrapatchError } from '../../../src/protocol/errors';

export function generateToken(): string {
  return randomBytes(24).toString('base64url');
}

/** The token a request carries: `Authorization: Bearer T` (HTTP and Node clients) or `?token=T` (browsers' WebSocket). */
export function tokenOf(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (auth) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return m ? m[1] : undefined;
  }
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  return url.searchParams.get('token') ?? undefined;
}

/** Compares digests so that neither length nor content leaks through timing. */
export function tokensEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export function originAllowed(origin: string | undefined, port: number): boolean {
  if (origin === undefined) return true;
  if (origin.startsWith('vscode-webview://')) return true;
  return origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`;
}

/** Throws the error to answer with, or returns when the request may proceed. */
export function checkAccess(req: IncomingMessage, token: string, port: number): void {
  const origin = req.headers.origin;
  if (!originAllowed(origin, port)) {
    throw new HydrapatchError('forbidden_origin', `requests from origin ${JSON.stringify(origin)} are refused`, 'Only local tools (no Origin header) and VS Code webviews may use the server.');
  }
  const given = tokenOf(req);
  if (given === undefined) {
    throw new HydrapatchError('unauthorized', 'the request carries no token', 'Send `Authorization: Bearer <token>` (the token from --token-file or the server\'s ready line).');
  }
  if (!tokensEqual(given, token)) {
    throw new HydrapatchError('unauthorized', 'the token is wrong', 'Use the token from --token-file or the server\'s ready line; a restarted server has a new one.');
  }
}
