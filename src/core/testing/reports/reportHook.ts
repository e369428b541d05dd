// The preload script (node --require, through NODE_OPTIONS) that makes a node test runner write a
// machine-readable report into HYDRAPATCH_REPORT_DIR, however the user started it (npm test, npx,
// a script that runs several tools): it acts only in the process whose main module is the runner's
// own entry point, and leaves the runner's own output as the user chose it.
//   jest:   --json --outputFile=<dir>/jest-<pid>.json
//   vitest: --reporter=junit --outputFile.junit=<dir>/vitest-<pid>.xml, keeping the user's reporter
//   mocha:  its Runner's pass/fail/pending events, one JSON line each, into <dir>/mocha-<pid>.jsonl
//   ava:    --tap (its TAP output is read from the run's output)
// Every other node process (npm itself, the runner's workers, the code under test) is left alone.
export const reportHookSource = String.raw`'use strict';
const fs = require('fs');
const path = require('path');
(function hydrapatchReport() {
  const dir = process.env.HYDRAPATCH_REPORT_DIR;
  if (!dir || !process.argv[1]) return;
  let main;
  try {
    main = fs.realpathSync(process.argv[1]).split(path.sep).join('/');
  } catch {
    return;
  }
  const args = process.argv;
  const file = (name) => path.join(dir, name + '-' + process.pid);
  const has = (flag) => args.some((a) => a === flag || a.startsWith(flag + '='));
  if (/\/node_modules\/(jest|jest-cli)\/bin\/jest\.js$/.test(main)) {
    args.push('--json', '--outputFile=' + file('jest') + '.json');
  } else if (/\/node_modules\/vitest\/vitest\.mjs$/.test(main)) {
    if (!has('--reporter')) args.push('--reporter=default');
    args.push('--reporter=junit', '--outputFile.junit=' + file('vitest') + '.xml');
  } else if (/\/node_modules\/ava\/entrypoints\/cli\.mjs$/.test(main)) {
    if (!has('--tap') && !args.includes('-t')) args.push('--tap');
  } else {
    const mocha = /^(.*\/node_modules\/mocha)\/(bin\/_?mocha(\.js)?|lib\/cli\/cli\.js)$/.exec(main);
    if (!mocha) return;
    let Runner;
    try {
      Runner = require(mocha[1] + '/lib/runner.js');
    } catch {
      return;
    }
    const out = file('mocha') + '.jsonl';
    const run = Runner.prototype.run;
    Runner.prototype.run = function (...rest) {
      const record = (status) => (test) => {
        const titles = typeof test.titlePath === 'function' ? test.titlePath() : [test.title];
        const name = (test.file ? [test.file] : []).concat(titles).join(' > ');
        fs.appendFileSync(out, JSON.stringify({ name, status }) + '\n');
      };
      this.on('pass', record('pass'));
      this.on('fail', record('fail'));
      this.on('pending', record('skip'));
      return run.apply(this, rest);
    };
  }
})();
`;
