import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAva } from '../../../../src/core/testing/parse/ava';
import { parseGoJson } from '../../../../src/core/testing/parse/goJson';
import { parseJestJson } from '../../../../src/core/testing/parse/jestJson';
import { parseJunit } from '../../../../src/core/testing/parse/junit';
import { parseTap } from '../../../../src/core/testing/parse/tap';

// Outputs as the tools print them (ava 6 default reporter, go test -json, jest --json, vitest tap-flat).
test('names are normalised: TAP timings stripped, XML unescaped, parametrised ids kept', () => {
  const a = parseTap('TAP version 13\nnot ok 1 - t.test.js > s > a # time=26.61ms\nok 2 - t.test.js > s > b # time=0.77ms\n');
  const b = parseTap('TAP version 13\nnot ok 1 - t.test.js > s > a # time=3.1ms\nok 2 - t.test.js > s > b # time=1.02ms\n');
  assert.deepEqual(a, b);
  assert.deepEqual(a.map((t) => t.name), ['t.test.js > s > a', 't.test.js > s > b']);
  assert.deepEqual(parseJunit('<testcase classname="tests.test_calc" name="test_add[1&lt;2]" time="0.1"><failure message="x"/></testcase>'), [{ name: 'tests.test_calc > test_add[1<2]', status: 'fail' }]);
  // pytest's xunit1 report names a case by its node id, as pytest's own output does.
  assert.deepEqual(
    parseJunit('<testcase classname="tests.test_calc.TestCalc" file="tests/test_calc.py" line="3" name="test_mul[2-3]"/><testcase classname="tests.test_calc" file="tests/test_calc.py" name="test_add"><error message="x"/></testcase>'),
    [{ name: 'tests/test_calc.py::TestCalc::test_mul[2-3]', status: 'pass' }, { name: 'tests/test_calc.py::test_add', status: 'fail' }],
  );
});

test("ava's default lines, jest's JSON, go's JSON events", () => {
  assert.deepEqual(parseAva('\n  - [skip] skipped one\n  ✘ [fail]: adds\n  ✔ subtracts\n  ─\n\n  adds\n  ✘ [fail]: not a result\n'), [
    { name: 'skipped one', status: 'skip' }, { name: 'adds', status: 'fail' }, { name: 'subtracts', status: 'pass' },
  ]);
  const jest = JSON.stringify({ testResults: [
    { name: '/r/test/a.test.js', status: 'failed', assertionResults: [{ ancestorTitles: ['calc'], title: 'adds', status: 'failed' }, { ancestorTitles: ['calc'], title: 'muls', status: 'passed' }] },
    { name: '/r/test/b.test.js', status: 'failed', assertionResults: [] },
  ] });
  assert.deepEqual(parseJestJson(jest), [
    { name: '/r/test/a.test.js > calc > adds', status: 'fail' }, { name: '/r/test/a.test.js > calc > muls', status: 'pass' },
    { name: '/r/test/b.test.js (test file failed to run)', status: 'fail' },
  ]);
  const go = ['{"Action":"run","Package":"x","Test":"TestA"}', '{"Action":"output","Package":"x","Test":"TestA","Output":"--- FAIL"}', '{"Action":"fail","Package":"x","Test":"TestA"}', '{"Action":"pass","Package":"x","Test":"TestB/sub"}', '{"Action":"fail","Package":"y"}'].join('\n');
  assert.deepEqual(parseGoJson(go), [{ name: 'x/TestA', status: 'fail' }, { name: 'x/TestB/sub', status: 'pass' }, { name: 'y (package)', status: 'fail' }]);
});
