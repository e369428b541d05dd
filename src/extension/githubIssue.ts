// A GitHub issue URL turned into the issue's text, through the user's own GitHub CLI (`gh`), so that
// their login (and private repositories) work and no token passes through Hydrapatch. No `vscode` here.
import { execFile } from 'node:child_process';
import { HydrapatchError } from '../protocol/errors';

const ISSUE_URL = /^https:\/\/github\.com\/[\w.-]+\/[\w.-]+\/issues\/\d+\/?(?:[?#].*)?$/;

export function isGithubIssueUrl(text: string): boolean {
  return ISSUE_URL.test(text.trim());
}

/** "# title\n\nbody" of the issue at `url`; `env` is the environment gh runs with (its PATH finds gh). */
export function readGithubIssue(url: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const clean = url.trim().replace(/[?#].*$/, '').replace(/\/$/, '');
  return new Promise((resolve, reject) => {
    execFile('gh', ['issue', 'view', clean, '--json', 'title,body'], { env, timeout: 30_000, maxBuffer: 4 << 20 }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') {
        return reject(new HydrapatchError('no_gh', 'GitHub issue URLs are read with the GitHub CLI (gh), which is not installed here.', 'Install gh and run "gh auth login", or paste the issue\'s text instead of its URL.'));
      }
      if (err) {
        const why = (stderr || err.message).trim().split('\n')[0];
        return reject(new HydrapatchError('gh_failed', `gh could not read ${clean}: ${why}`, 'Check the URL, and that "gh auth status" shows you logged in to GitHub; or paste the issue\'s text.'));
      }
      try {
        const issue = JSON.parse(stdout) as { title?: unknown; body?: unknown };
        if (typeof issue.title !== 'string') throw new Error('no title');
        resolve(`# ${issue.title}\n\n${typeof issue.body === 'string' ? issue.body : ''}`.trim());
      } catch {
        reject(new HydrapatchError('gh_failed', `gh gave no issue for ${clean}.`, 'Check the URL; or paste the issue\'s text.'));
      }
    });
  });
}
