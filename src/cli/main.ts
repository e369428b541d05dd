// `hydrapatch` on the command line. Ctrl-C once stops the run cleanly (test runs killed, worktrees
// removed); twice exits at once.
import { runCli } from './runCli';

const controller = new AbortController();
process.on('SIGINT', () => {
  if (controller.signal.aborted) process.exit(130);
  process.stderr.write('\nstopping (Ctrl-C again to quit at once)…\n');
  controller.abort();
});

// Killed by SIGTERM: exit through process.exit, so that the servers this run started are killed with it.
process.on('SIGTERM', () => process.exit(143));

void runCli(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, signal: controller.signal }).then((code) => {
  // Open sockets or agents of a backend must not keep the process alive once the report is out.
  process.stdout.write('', () => process.exit(code));
});
