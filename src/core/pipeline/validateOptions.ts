// Bad options are caught before anything starts, each with what was wrong and what to pass instead.
import { HydrapatchError } from '../../protocol/errors';
import type { SolveOptions } from './types';

function positiveInt(name: string, value: number, hint: string): void {
  if (!Number.isSafeInteger(value) || value < 1) throw new HydrapatchError('bad_option', `${name} must be a whole number of at least 1, got ${value}.`, hint);
}

export function validateSolveOptions(o: SolveOptions): void {
  positiveInt('n (samples)', o.n, 'Pass -n with the number of samples to draw, e.g. -n 16.');
  positiveInt('parallel test runs', o.parallelTests, 'Pass --parallel 1 or more.');
  positiveInt('test time limit (ms)', o.testTimeoutMs, 'Pass --timeout in seconds, e.g. --timeout 60.');
  positiveInt('output cap (bytes)', o.outputCapBytes, 'Use an output cap of at least a few kilobytes.');
  if (o.stopAfterVerified !== undefined && (!Number.isSafeInteger(o.stopAfterVerified) || o.stopAfterVerified < 0)) {
    throw new HydrapatchError('bad_option', `stopAfterVerified must be 0 or more, got ${o.stopAfterVerified}.`, 'Pass a whole number, or leave it out to test every sample.');
  }
  if (!['auto', 'required', 'off'].includes(o.sandbox)) {
    throw new HydrapatchError('bad_option', `sandbox must be auto, required or off, got ${String(o.sandbox)}.`, 'Pass --sandbox auto (the default), required or off.');
  }
  if (o.issueText.trim() === '') throw new HydrapatchError('bad_option', 'the issue text is empty.', 'Pass --issue with a file that describes the bug (or - for stdin).');
}
