// The prompt tree for a solve. The shared part (instructions, then the issue) is the root; every
// sample is drawn below one leaf.
import type { PromptTree } from '../../protocol/promptTree';

const instructions = `You are fixing a bug in a software repository. Read the issue, then reply with the edits that fix it,
as one or more SEARCH/REPLACE blocks, each exactly like this:

path/to/file.ext
<<<<<<< SEARCH
lines copied exactly from the current file
=======
the lines that replace them
>>>>>>> REPLACE

Change only what the fix needs. Do not edit the tests.
`;

export function buildPrompt(issueText: string, n: number): PromptTree {
  return {
    root: {
      text: `${instructions}\n## Issue\n\n${issueText.trim()}\n\n## Edits\n`,
      children: [{ n }],
    },
  };
}
