import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorSentences } from '../../../src/protocol/errors';

test('a notification reads the message and the hint as separate sentences', () => {
  assert.equal(
    errorSentences({ code: 'sandbox_consent_refused', message: 'candidate tests were not run: bwrap is missing', hint: 'install bubblewrap (the CLI: --yes-run-unsandboxed)' }),
    'candidate tests were not run: bwrap is missing. Install bubblewrap (the CLI: --yes-run-unsandboxed).',
  );
  assert.equal(errorSentences({ code: 'no_folder', message: 'No folder is open.', hint: 'Open the repository folder.' }), 'No folder is open. Open the repository folder.');
  assert.equal(errorSentences({ code: 'internal', message: 'it broke' }), 'it broke.');
});
