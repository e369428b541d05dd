import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractMentions, resolveMention } from '../../../../src/core/context/issueMentions';
import { extractSymbols } from '../../../../src/core/context/symbols';
import { buildBm25, tokenize } from '../../../../src/core/context/bm25';

test('stack traces of Python, Node, Java and Go give paths, lines and function names', () => {
  const issue = `Crash when parsing:

Traceback (most recent call last):
  File "/home/me/proj/app/cli.py", line 8, in main
  File "/home/me/proj/app/dates.py", line 41, in parse_date
ValueError: bad month

TypeError: Cannot read properties of undefined
    at formatTotal (/srv/shop/src/cart/total.js:17:9)
    at Object.<anonymous> (/srv/shop/index.js:3:1)
    at node:internal/main/run_main_module:28:49

Exception in thread "main" java.lang.NullPointerException
    at com.acme.util.Parser.parseHeader(Parser.java:42)

goroutine 1 [running]:
main.(*Server).handle(0xc000010000)
	/go/src/acme/server/handler.go:27 +0x1d
`;
  const m = extractMentions(issue);
  const byPath = Object.fromEntries(m.paths.map((p) => [p.path, p.line]));
  assert.equal(byPath['/home/me/proj/app/dates.py'], 41);
  assert.equal(byPath['/srv/shop/src/cart/total.js'], 17);
  assert.equal(byPath['com/acme/util/Parser.java'], 42);
  assert.equal(byPath['/go/src/acme/server/handler.go'], 27);
  assert.ok(!m.paths.some((p) => p.path.includes('node:internal')));
  for (const id of ['parse_date', 'formatTotal', 'parseHeader', 'Parser', 'handle']) assert.ok(m.identifiers.includes(id), id);
  assert.ok(!m.identifiers.includes('anonymous'));
});

test('paths and identifiers in prose; mentions resolve to repository paths', () => {
  const m = extractMentions('`slugify()` in utils/text.py returns an empty string; see also README.md and version 1.2.3.');
  assert.deepEqual(m.paths.map((p) => p.path), ['utils/text.py', 'README.md']);
  assert.ok(m.identifiers.includes('slugify'));
  const repo = ['src/cart/total.js', 'index.js', 'test/total.test.js', 'utils/text.py', 'lib/utils/text.py'];
  assert.deepEqual(resolveMention('/srv/shop/src/cart/total.js', repo), ['src/cart/total.js']);
  assert.deepEqual(resolveMention('/srv/shop/index.js', repo), ['index.js']);
  assert.deepEqual(resolveMention('utils/text.py', repo), ['utils/text.py']);
  assert.deepEqual(resolveMention('total.js', repo), ['src/cart/total.js']);
});

test('symbols per language', () => {
  const names = (path: string, text: string) => extractSymbols(path, text).map((s) => `${s.kind}:${s.name}`);
  assert.deepEqual(names('a.ts', 'export function parse(x: string) {\n}\nexport class Cart {\n  total(items) {\n  }\n}\nexport const add = (a, b) => a + b;\ninterface Opts {}\nif (x) {\n}\n'), ['function:parse', 'class:Cart', 'method:total', 'function:add', 'type:Opts']);
  assert.deepEqual(names('m.py', 'import os\nMAX = 3\nclass A:\n    def go(self):\n        pass\ndef f():\n    pass\n'), ['variable:MAX', 'class:A', 'method:go', 'function:f']);
  assert.deepEqual(names('s.go', 'package main\nfunc (s *Server) handle() {}\nfunc main() {}\ntype Server struct{}\n'), ['function:handle', 'function:main', 'type:Server']);
  assert.deepEqual(names('l.rs', 'pub fn run() {}\nstruct S;\nimpl S {\n    fn go(&self) {}\n}\n'), ['function:run', 'type:S', 'function:go']);
  assert.deepEqual(names('P.java', 'public class Parser {\n    public static int parseHeader(String s) {\n'), ['class:Parser', 'method:parseHeader']);
  assert.deepEqual(names('x.c', '#define N 4\nstatic int add(int a, int b)\n{\nstruct point {\n'), ['variable:N', 'function:add', 'type:point']);
  assert.deepEqual(names('notes.txt', 'function x() {}'), []);
});

test('tokenize splits identifiers; BM25 equals the hand-computed score', () => {
  assert.deepEqual(tokenize('parseHTTPHeader parse_date'), ['parse', 'http', 'header', 'parsehttpheader', 'parse', 'date']);
  const idx = buildBm25([['aa', 'bb'], ['bb', 'cc', 'cc']]);
  const [s0, s1] = idx.score(['cc']);
  // idf = ln(1 + (2−1+0.5)/(1+0.5)) = ln 2; tf part = 2·2.2 / (2 + 1.2·(0.25 + 0.75·3/2.5)) = 4.4/3.38
  assert.equal(s0, 0);
  assert.ok(Math.abs(s1 - (Math.log(2) * 4.4) / 3.38) < 1e-12);
});
