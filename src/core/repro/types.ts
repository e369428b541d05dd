// Reproduction tests: test samples drawn with the patches, run on the unmodified tree, and kept only
// when they fail there with an assertion, the same way twice. Plain data: the CLI prints it, --json
// writes it and the panel receives it unchanged.

/** Why a test sample was not kept. */
export type ReproDiscard =
  /** No usable edit, or no edit to a test file, or edits outside the tests. */
  | 'not-a-test'
  /** The edit does not apply to the unmodified tree. */
  | 'not-applied'
  /** It fails before any of its tests runs: syntax, import or collection error. */
  | 'load-error'
  /** Its tests pass on the unmodified tree: it does not show the bug. */
  | 'passes'
  /** It fails, but with an error other than an assertion (a TypeError in the test's own code, …). */
  | 'not-assertion'
  /** The two runs on the unmodified tree disagree. */
  | 'unstable'
  /** The test command did not run it (a command that names its files). */
  | 'not-run'
  /** The run did not finish (time limit, output cap). */
  | 'error';

export interface ReproTest {
  /** Index of the sample it came from. */
  index: number;
  /** Kept: it reproduces the issue; otherwise `discard` and `reason` say why not. */
  kept: boolean;
  discard?: ReproDiscard;
  /** What the runner said, in words, e.g. "ModuleNotFoundError: No module named 'cartz'". */
  reason?: string;
  /** The test file the sample wrote, as the model named it ('' when none). */
  requestedPath: string;
  /** Where Hydrapatch placed it: beside the requested path, under a name no user file has. */
  path: string;
  /** The placed file's content ('' when nothing was placed). */
  content: string;
  /** Its test cases that failed with an assertion on the unmodified tree (kept tests only). */
  failing: string[];
  /** The first assertion message, for display. */
  message?: string;
}

/** How a candidate did on the kept reproduction tests (sample indices of the tests). */
export interface ReproOutcome {
  passed: number[];
  failed: number[];
}

/** What a verified (or partial) verdict rests on. */
export type Evidence = 'failing-tests' | 'reproduction-tests' | 'both';
