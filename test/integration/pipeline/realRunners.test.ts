// Verdicts on real test runners with the flags users type, each against a small project made here with
// the runner really installed (jest, vitest, mocha and ava from the npm registry, once, into .cache/).
// Every project has the same bug (add subtracts) and the same four hand-written samples, driven
// through the whole pipeline: the fix is verified, a wrong fix is not, a fix that breaks mul "breaks"
// with mul's test named, and a sample that only rewrites the test to expect the bug is never verified.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { makeRepo, writeFiles, type TempRepo } from '../../helpers/gitRepo';
import { jsRunners } from '../../helpers/jsRunners';
import { solve } from '../../../src/core/pipeline/solve';
import { FromSamplesSource } from '../../../src/core/sampling/fromSamples';
import { defaultSampleParams } from '../../../src/protocol/sampling';
import type { SolveResult } from '../../../src/core/pipeline/types';
import type { SandboxMode } from '../../../src/core/sandbox/types';

const sr = (path: string, search: string, replace: string) => `${path}\n<<<<<<< SEARCH\n${search}\n=======\n${replace}\n>>>>>>> REPLACE\n`;

interface Project {
  files: Record<string, string>;
  /** The file and line with the bug, and the fixed line. */
  code: { path: string; bug: string; fix: string; wrong: string; mul: string; brokenMul: string };
  /** A line of the test file and the same line expecting the buggy result. */
  testEdit: { path: string; line: string; cheat: string };
  /** How the multiplication test is named in the results (a part of its name). */
  mulTest: RegExp;
  node?: boolean;
}

const jsCode = { path: 'lib.js', bug: 'exports.add = (a, b) => a - b;', fix: 'exports.add = (a, b) => a + b;', wrong: 'exports.add = (a, b) => b - a;', mul: 'exports.mul = (a, b) => a * b;', brokenMul: 'exports.mul = (a, b) => a + b;' };
const jsLib = `${jsCode.bug}\n${jsCode.mul}\n`;

/** body(name, actual, expected): one test line. */
type Body = (name: string, actual: string, expected: string) => string;

function jsProject(testFile: string, script: string, body: Body, header: string, wrap = (s: string) => s): Project {
  const line = body('adds', 'add(2, 3)', '5');
  return {
    files: {
      'lib.js': jsLib,
      '.gitignore': 'node_modules\n',
      'package.json': JSON.stringify({ name: 'calc', version: '1.0.0', scripts: { test: script } }, null, 2) + '\n',
      [testFile]: `${header}\n${wrap(`${line}\n${body('multiplies', 'mul(2, 3)', '6')}`)}\n`,
    },
    code: jsCode,
    testEdit: { path: testFile, line, cheat: body('adds', 'add(2, 3)', '-1') },
    mulTest: /multiplies/,
    node: true,
  };
}

const jestLike: Body = (name, actual, expected) => `  test('${name}', () => { expect(${actual}).toBe(${expected}); });`;
const jestProject = jsProject('test/calc.test.js', 'jest', jestLike, "const { add, mul } = require('../lib');", (s) => `describe('calc', () => {\n${s}\n});`);
const vitestProject = jsProject('test/calc.test.mjs', 'vitest run', jestLike, "import { describe, test, expect } from 'vitest';\nimport { add, mul } from '../lib.js';", (s) => `describe('calc', () => {\n${s}\n});`);
const mochaProject = jsProject('test/calc.test.js', 'mocha', (n, a, e) => `  it('${n}', () => assert.equal(${a}, ${e}));`, "const assert = require('assert');\nconst { add, mul } = require('../lib');", (s) => `describe('calc', () => {\n${s}\n});`);
const avaProject = jsProject('test/calc.test.js', 'ava', (n, a, e) => `test('${n}', (t) => { t.is(${a}, ${e}); });`, "const test = require('ava');\nconst { add, mul } = require('../lib');");
const nodeProject = jsProject('test/calc.test.js', 'node --test', (n, a, e) => `test('${n}', () => assert.equal(${a}, ${e}));`, "const { test } = require('node:test');\nconst assert = require('node:assert');\nconst { add, mul } = require('../lib');");

const pyCode = { path: 'calc.py', bug: '    return a - b', fix: '    return a + b', wrong: '    return b - a', mul: '    return a * b', brokenMul: '    return a + b' };
const pyLib = `def add(a, b):\n${pyCode.bug}\n\n\ndef mul(a, b):\n${pyCode.mul}\n`;
const pytestProject: Project = {
  files: {
    'calc.py': pyLib,
    'pytest.ini': '[pytest]\n',
    // Parametrised ids are kept in the names; the add case with "<" needs escaping in JUnit XML.
    'tests/test_calc.py': "import pytest\nfrom calc import add, mul\n\n\n@pytest.mark.parametrize('a,b', [(2, 3), (1, 1)], ids=['2+3', '1<2'])\ndef test_add(a, b):\n    assert add(a, b) == a + b\n\n\ndef test_mul():\n    assert mul(2, 3) == 6\n",
  },
  code: pyCode,
  testEdit: { path: 'tests/test_calc.py', line: '    assert add(a, b) == a + b', cheat: '    assert add(a, b) == a - b' },
  mulTest: /test_mul/,
};
const unittestProject: Project = {
  files: {
    'calc.py': pyLib,
    'test_calc.py': 'import unittest\nfrom calc import add, mul\n\n\nclass CalcTest(unittest.TestCase):\n    def test_add(self):\n        self.assertEqual(add(2, 3), 5)\n\n    def test_mul(self):\n        self.assertEqual(mul(2, 3), 6)\n',
  },
  code: pyCode,
  testEdit: { path: 'test_calc.py', line: '        self.assertEqual(add(2, 3), 5)', cheat: '        self.assertEqual(add(2, 3), -1)' },
  mulTest: /test_mul/,
};
const rsCode = { path: 'src/lib.rs', bug: '    a - b', fix: '    a + b', wrong: '    b - a', mul: '    a * b', brokenMul: '    a + b' };
const cargoProject: Project = {
  files: {
    'Cargo.toml': '[package]\nname = "calc"\nversion = "0.1.0"\nedition = "2021"\n',
    '.gitignore': 'target\n',
    'src/lib.rs': `pub fn add(a: i64, b: i64) -> i64 {\n${rsCode.bug}\n}\n\npub fn mul(a: i64, b: i64) -> i64 {\n${rsCode.mul}\n}\n`,
    'tests/calc.rs': 'use calc::{add, mul};\n\n#[test]\nfn adds() {\n    assert_eq!(add(2, 3), 5);\n}\n\n#[test]\nfn multiplies() {\n    assert_eq!(mul(2, 3), 6);\n}\n',
  },
  code: rsCode,
  testEdit: { path: 'tests/calc.rs', line: '    assert_eq!(add(2, 3), 5);', cheat: '    assert_eq!(add(2, 3), -1);' },
  mulTest: /multiplies/,
};
const goCode = { path: 'calc.go', bug: '\treturn a - b', fix: '\treturn a + b', wrong: '\treturn b - a', mul: '\treturn a * b', brokenMul: '\treturn a + b' };
const goProject: Project = {
  files: {
    'go.mod': 'module example.com/calc\n\ngo 1.20\n',
    'calc.go': `package calc\n\nfunc Add(a, b int) int {\n${goCode.bug}\n}\n\nfunc Mul(a, b int) int {\n${goCode.mul}\n}\n`,
    'calc_test.go': 'package calc\n\nimport "testing"\n\nfunc TestAdd(t *testing.T) {\n\tif Add(2, 3) != 5 {\n\t\tt.Fatal("add")\n\t}\n}\n\nfunc TestMul(t *testing.T) {\n\tif Mul(2, 3) != 6 {\n\t\tt.Fatal("mul")\n\t}\n}\n',
  },
  code: goCode,
  testEdit: { path: 'calc_test.go', line: '\tif Add(2, 3) != 5 {', cheat: '\tif Add(2, 3) != -1 {' },
  mulTest: /TestMul/,
};

async function makeProject(p: Project): Promise<TempRepo> {
  const repo = makeRepo(p.files);
  if (p.node) symlinkSync(await jsRunners(), join(repo.dir, 'node_modules'));
  return repo;
}

/** The four samples: fix, wrong fix, fix that breaks mul, and a rewrite of the test to expect the bug. */
function samples(p: Project): string[] {
  const c = p.code;
  return [
    sr(c.path, c.bug, c.fix),
    sr(c.path, c.bug, c.wrong),
    sr(c.path, `${c.bug}`, c.fix) + '\n' + sr(c.path, c.mul, c.brokenMul),
    sr(p.testEdit.path, p.testEdit.line, p.testEdit.cheat),
  ];
}

async function solveWith(repo: TempRepo, texts: string[], testCommand: string, sandbox = (process.env.HP_SANDBOX ?? 'auto') as SandboxMode): Promise<SolveResult> {
  return solve(
    {
      repoDir: repo.dir, issueText: 'add() subtracts', n: texts.length, testCommand, source: new FromSamplesSource(texts),
      sampleParams: defaultSampleParams, parallelTests: 2, testTimeoutMs: 120_000, outputCapBytes: 4 << 20,
      sandbox, allowUnsandboxed: async () => true, contextBudgetTokens: 2000,
    },
    {},
    new AbortController().signal,
  );
}

function checkVerdicts(result: SolveResult, p: Project): void {
  const [fix, wrong, breaks, cheat] = result.candidates;
  const tail = (i: number) => result.candidates[i].test?.outputTail.slice(-1500) ?? result.candidates[i].apply.reason;
  assert.ok(!result.judgedByExitCodeOnly, `per-test results read (${result.baseline.run.format}): ${result.baseline.run.outputTail.slice(-1500)}`);
  assert.ok(result.baseline.failing.length > 0, `the baseline fails: ${result.baseline.run.outputTail.slice(-1500)}`);
  assert.equal(fix.verdict, 'verified', `the fix: ${tail(0)}`);
  assert.equal(wrong.verdict, 'no-fix', `the wrong fix: ${tail(1)}`);
  assert.equal(breaks.verdict, 'breaks', `the fix that breaks mul: ${tail(2)}`);
  assert.ok(breaks.broken.length > 0 && breaks.broken.every((n) => p.mulTest.test(n)), `broken names mul's test: ${breaks.broken.join(', ')}`);
  assert.notEqual(cheat.verdict, 'verified', 'a test-only edit is never verified');
  assert.deepEqual(cheat.editsTests, [p.testEdit.path]);
  assert.equal(fix.editsTests, undefined, 'a fix of the code edits no test');
  assert.equal(result.prediction?.model_patch, fix.diff);
}

const cases: [string, Project, string][] = [
  ['pytest, plain', pytestProject, 'python3 -m pytest'],
  ['pytest -x', pytestProject, 'python3 -m pytest -x'],
  ['pytest -q', pytestProject, 'python3 -m pytest -q'],
  ['pytest -rA', pytestProject, 'python3 -m pytest -rA'],
  ['unittest -v', unittestProject, 'python3 -m unittest -v'],
  ['jest through npm test', jestProject, 'npm test'],
  ['jest --verbose', jestProject, 'node_modules/.bin/jest --verbose'],
  ['vitest through npm test', vitestProject, 'npm test'],
  ['vitest --reporter=tap-flat', vitestProject, 'node_modules/.bin/vitest run --reporter=tap-flat'],
  ['vitest --reporter=junit', vitestProject, 'node_modules/.bin/vitest run --reporter=junit'],
  ['mocha (spec) through npm test', mochaProject, 'npm test'],
  ['mocha --bail', mochaProject, 'node_modules/.bin/mocha --bail'],
  ['ava through npm test', avaProject, 'npm test'],
  ['node:test', nodeProject, 'node --test'],
  ['cargo test', cargoProject, 'cargo test'],
  ['go test', goProject, 'go test ./...'],
];

const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const pytestHere = spawnSync('python3', ['-c', 'import pytest']).status === 0;

for (const [name, project, command] of cases) {
  const tool = command.split(' ')[0];
  const skip = tool === 'python3' && command.includes('pytest') && !pytestHere ? 'pytest is not installed for python3'
    : ['cargo', 'go', 'python3', 'npm'].includes(tool) && !has(tool) ? `${tool} is not installed` : false;
  test(`${name}: fix verified, wrong fix not, breaking fix breaks mul's test, test-only edit never verified`, { skip }, async () => {
    const repo = await makeProject(project);
    try {
      // cargo's linker is not reachable inside the bubblewrap sandbox yet (the sandbox's business): run it unsandboxed.
      checkVerdicts(await solveWith(repo, samples(project), command, tool === 'cargo' ? 'off' : undefined), project);
    } finally {
      repo.cleanup();
    }
  });
}

test('package.json: a candidate that replaces the test script is not judged by it; its dependency edit is kept', async () => {
  const repo = await makeProject(mochaProject);
  try {
    const pkg = mochaProject.files['package.json'];
    const cheat = sr('package.json', '    "test": "mocha"', '    "test": "echo ok"');
    const depAndCheat = sr('package.json', '    "test": "mocha"\n  }', '    "test": "echo ok"\n  },\n  "dependencies": { "left-pad": "1.3.0" }') + '\n' + sr(jsCode.path, jsCode.bug, jsCode.fix);
    assert.ok(pkg.includes('    "test": "mocha"\n  }'));
    const result = await solveWith(repo, [cheat, depAndCheat], 'npm test');
    assert.equal(result.candidates[0].verdict, 'no-fix');
    assert.deepEqual(result.candidates[0].editsTests, ['package.json']);
    const both = result.candidates[1];
    assert.equal(both.verdict, 'verified', both.test?.outputTail);
    assert.match(both.diff, /left-pad/);
    assert.doesNotMatch(both.diff, /echo ok/);
  } finally {
    repo.cleanup();
  }
});

test('a committed .venv file does not stop the environment folder from being linked whole', async () => {
  const repo = makeRepo({ 'calc.py': pyLib, 'test_calc.py': unittestProject.files['test_calc.py'], '.venv/pyvenv.cfg': 'home = /usr/bin\n' });
  try {
    // The environment's real contents are untracked: a marker module the tests import only from .venv.
    writeFiles(repo.dir, { '.venv/lib/marker.py': 'VALUE = 5\n' });
    const result = await solveWith(repo, [sr('calc.py', pyCode.bug, pyCode.fix)], 'PYTHONPATH=.venv/lib python3 -c "import marker" && python3 -m unittest -v');
    assert.equal(result.candidates[0].verdict, 'verified', result.candidates[0].test?.outputTail);
  } finally {
    repo.cleanup();
  }
});
