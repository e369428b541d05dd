// The reproduction-test branch of the prompt tree: a second leaf under the shared root (instructions,
// map, files, issue), so its samples reuse the root's KV and cost no second prefill.

/** The label of the leaf, carried into each of its samples (SampleResult.label). */
export const reproLeafLabel = 'hydrapatch:reproduction-test';

export const reproRequest = `Do not fix the issue. Instead, write a test that fails because of this issue, in the project's test style and with its test runner.
Reply with one SEARCH/REPLACE block with an empty SEARCH that creates a new test file beside the project's tests. The test must fail on the current code with an assertion that shows the bug, and pass once the bug is fixed. Edit no other file.`;
