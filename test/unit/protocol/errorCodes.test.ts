import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorCodes, normalizeErrorCode } from '../../../src/protocol/errorCodes';
import { HydrapatchError } from '../../../src/protocol/errors';
import { parseServerMessage } from '../../../src/protocol/messages';

/** The error a server message carries, as the client reads it. */
function receivedError(code: string, message = 'it failed', hint?: string) {
  const parsed = parseServerMessage(JSON.stringify({ type: 'error', id: 'job-1', error: { code, message, hint } }));
  assert.ok(parsed.ok, 'an error message with any code must be accepted');
  assert.equal(parsed.message.type, 'error');
  if (parsed.message.type !== 'error') throw new Error('unreachable');
  return parsed.message.error;
}

test('every catalogue code is snake_case and says what it means', () => {
  for (const [code, meaning] of Object.entries(errorCodes)) {
    assert.match(code, /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/, code);
    assert.ok(meaning.length > 10, `${code} needs a meaning`);
  }
});

test("an old peer's kebab-case codes and retired aliases arrive as catalogue codes", () => {
  assert.equal(receivedError('bad-arguments').code, 'bad_arguments');
  assert.equal(receivedError('bad_argument').code, 'bad_arguments');
  assert.equal(receivedError('missing_tensor').code, 'model_missing_tensor');
  assert.equal(receivedError('no-model').code, 'no_model');
  assert.equal(receivedError('no_model').code, 'no_model');
  assert.equal(receivedError('Sandbox-Consent-Refused').code, 'sandbox_consent_refused');
  const kept = receivedError('not-a-repo', 'no repository here', 'git init');
  assert.deepEqual(kept, { code: 'not_a_repo', message: 'no repository here', hint: 'git init' });
});

test("a code this version does not know becomes remote_error, keeping the peer's code in the message", () => {
  const e = receivedError('quota_exceeded', 'too many requests today');
  assert.equal(e.code, 'remote_error');
  assert.match(e.message, /^too many requests today \(code "quota_exceeded"\)$/);
  for (const inherited of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
    assert.equal(normalizeErrorCode(inherited), null, inherited);
  }
});

test('a server error without a string code is still refused as a malformed message', () => {
  const parsed = parseServerMessage(JSON.stringify({ type: 'error', error: { code: 7, message: 'x' } }));
  assert.equal(parsed.ok, false);
});

test('the type check refuses a code outside the catalogue', () => {
  // @ts-expect-error: 'no-such-code' is not an ErrorCode (tsc fails here if it ever becomes one).
  const e = new HydrapatchError('no-such-code', 'x');
  // @ts-expect-error: the old kebab-case spelling is not an ErrorCode either.
  const kebab = new HydrapatchError('bad-arguments', 'x');
  assert.ok(e instanceof HydrapatchError && kebab instanceof HydrapatchError);
});
