// The review panel (webview). Renders the state the extension posts; keeps it, with the group the user
// selected, in getState/setState, so both come back at once when the panel is hidden and shown again
// (the webview is not retained while hidden); sends back what the user clicks.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import { applyWords, verdictWords, type CandidateAction, type FromPanel, type PanelApplyStatus, type PanelGroup, type PanelState, type PanelVerdict, type RunAction, type TestCell, type ToPanel } from '../src/protocol/webview';
import { contextSection } from './contextSection';
import { coveragePlot } from './coveragePlot';
import { h } from './dom';

/** What the webview keeps across hide and show: the run's state and the selected group (its representative). */
interface Saved {
  state: PanelState;
  selected?: number;
}

interface VsCodeApi {
  postMessage(msg: FromPanel): void;
  getState(): Saved | undefined;
  setState(saved: Saved): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const app = document.getElementById('app') as HTMLElement;
let view: Saved | undefined;

const cellText: Record<TestCell, string> = { pass: '✓', fail: '✗', 'new-failure': '✗!', fixed: '✓+', flaky: '~', 'not-run': '·' };
const cellTitle: Record<TestCell, string> = {
  pass: 'passes',
  fail: 'fails (failed before too)',
  'new-failure': 'newly fails: passed before this candidate',
  fixed: 'fixed: failed before, passes now',
  flaky: 'flaky: its outcome changed between runs on the unchanged files',
  'not-run': 'not run',
};
const cellOrder: TestCell[] = ['fixed', 'pass', 'fail', 'new-failure', 'flaky', 'not-run'];

const verdictLabel = (v: PanelVerdict) => verdictWords[v].label;
const verdictMeans = (v: PanelVerdict) => verdictWords[v].means;
/** How the edit matched, with what that means. */
const applyTitles: Partial<Record<PanelApplyStatus, string>> = {
  clean: 'the edit matched the files exactly',
  fuzzy: 'the edit matched only when differences in whitespace were ignored',
};

const pct = (p: number) => `${Math.round(p * 100)}%`;
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function button(label: string, action: CandidateAction, state: PanelState, g: PanelGroup, secondary = true): HTMLElement {
  const b = h('vscode-button', { 'data-action': action, 'data-index': String(g.representative), secondary: secondary ? '' : undefined }, label);
  b.addEventListener('click', () => vscode.postMessage({ type: 'action', action, runId: state.runId, index: g.representative }));
  return b;
}

function runButton(label: string, action: RunAction, secondary = true): HTMLElement {
  const b = h('vscode-button', { 'data-run-action': action, secondary: secondary ? '' : undefined }, label);
  b.addEventListener('click', () => vscode.postMessage({ type: 'run', action }));
  return b;
}

function sandboxNote(g: PanelGroup): HTMLElement | null {
  if (g.sandbox === 'none') return h('span', { class: 'unsandboxed', title: 'The tests ran without a sandbox: the candidate\'s code had the same access as you.' }, '⚠ unsandboxed');
  if (g.sandbox) return h('span', { class: 'muted', title: `The tests ran in a sandbox (${g.sandbox}): no network, only the candidate's own copy of the repository writable.` }, 'sandboxed');
  return h('span', { class: 'muted' }, '—');
}

/**
 * Selects a group (a click anywhere on its row, its buttons included, or Enter/Space on the row): its
 * row and its column of the test grid are marked in place, so focus and the clicked button stay, and
 * its evidence replaces the one shown.
 */
function select(g: PanelGroup): void {
  if (!view || view.selected === g.representative) return;
  view = { ...view, selected: g.representative };
  vscode.setState(view);
  for (const el of app.querySelectorAll<HTMLElement>('[data-rep]')) {
    const on = el.dataset.rep === String(g.representative);
    el.classList.toggle('selected', on);
    if (el.matches('tr.group')) el.setAttribute('aria-selected', String(on));
  }
  document.getElementById('evidence')?.replaceWith(evidence(view.state, g));
}

const COLUMNS: [string, string, string][] = [
  ['rank', 'Candidate', 'Candidates are numbered by rank when the run finishes (verified first, then by fewest changed lines); those found by "Draw N more" are numbered after them and listed where they rank'],
  ['verdict', 'Verdict', 'What its test run showed'],
  ['samples', 'Samples', 'How many samples wrote this same patch'],
  ['applies', 'Applied', 'How the edit matched your files'],
  ['lines', 'Changed', 'Lines added or removed'],
  ['files', 'Files', ''],
  ['sandbox', 'Tests', 'Where its tests ran'],
  ['actions', '', ''],
];

function groupHeader(): HTMLElement {
  return h('tr', { class: 'head' }, ...COLUMNS.map(([cls, label, title]) => h('th', { class: cls, title: title || undefined }, label)));
}

function groupRow(state: PanelState, g: PanelGroup, selected: boolean, primary: boolean): HTMLElement {
  const canAct = g.applyStatus === 'clean' || g.applyStatus === 'fuzzy';
  const applyLabel = applyWords[g.applyStatus];
  const applyTitle = applyTitles[g.applyStatus];
  const row = h(
    'tr',
    {
      class: `group verdict-${g.verdict}${g.discarded ? ' discarded' : ''}${selected ? ' selected' : ''}`,
      'data-group': String(g.id),
      'data-rep': String(g.representative),
      tabindex: '0',
      'aria-selected': String(selected),
    },
    h('td', { class: 'rank' }, String(g.rank)),
    h('td', { class: 'verdict', title: verdictMeans(g.verdict) || undefined }, h('vscode-badge', { class: `verdict ${g.verdict}` }, verdictLabel(g.verdict)), g.editsTests ? h('span', { class: 'warning', title: `Test edits not applied: ${g.editsTests.join(', ')}` }, ' edits tests') : null),
    h('td', { class: 'samples', title: `samples ${g.members.map((m) => m + 1).join(', ')}` }, String(g.size)),
    h('td', { class: 'applies', title: applyTitle || undefined }, g.applied ? 'applied' : applyLabel),
    h('td', { class: 'lines' }, plural(g.changedLines, 'line')),
    h('td', { class: 'files' }, g.files.join(', ')),
    h('td', { class: 'sandbox' }, sandboxNote(g)),
    h(
      'td',
      { class: 'actions' },
      canAct && button('Open Diff', 'openDiff', state, g),
      canAct && !g.applied && button('Apply', 'apply', state, g, !primary),
      canAct && button('Copy Patch', 'copyPatch', state, g),
      !g.discarded && button('Discard', 'discard', state, g),
    ),
  );
  row.addEventListener('click', () => select(g));
  row.addEventListener('keydown', (e) => {
    if (e.target === row && (e.key === 'Enter' || e.key === ' ')) select(g);
  });
  return row;
}

function testList(title: string, names: string[], cls: string): HTMLElement | null {
  if (names.length === 0) return null;
  return h('div', { class: `tests-${cls}` }, h('strong', {}, `${title} (${names.length}): `), h('span', { class: 'mono' }, names.join(', ')));
}

/** The selected candidate's evidence: what the model said, which tests it fixed or broke, its test output. */
function evidence(state: PanelState, g: PanelGroup | undefined): HTMLElement {
  if (!g) return h('section', { id: 'evidence' });
  const e = g.evidence;
  const t = e.test;
  const outcome = t && (t.timedOut ? 'stopped at the time limit' : t.outputCapped ? 'stopped: too much output' : `exit code ${t.exitCode ?? 'none'}`);
  return h(
    'section',
    { id: 'evidence', 'data-rep': String(g.representative) },
    h('h3', {}, `Candidate ${g.rank}: ${verdictLabel(g.verdict)}`),
    h('p', { class: 'muted' }, `${verdictMeans(g.verdict)}. Written by ${plural(g.size, 'sample')} (${g.members.map((m) => m + 1).join(', ')}).`),
    h('h4', {}, 'The model\'s explanation'),
    e.explanation ? h('blockquote', { class: 'explanation' }, e.explanation) : h('p', { class: 'muted' }, 'The model wrote no explanation, only the edit.'),
    h('h4', {}, 'Tests'),
    t
      ? h('div', {}, testList('Fixed', e.fixed, 'fixed'), testList('Newly failing', e.broken, 'broken'), testList('Still failing', e.stillFailing, 'failing'),
        e.fixed.length + e.broken.length + e.stillFailing.length === 0 ? h('p', { class: 'muted' }, 'No test changed its outcome.') : null)
      : h('p', { class: 'muted' }, 'Its tests were not run.'),
    g.files.length > 1 && !g.applied && h('div', { class: 'buttons apply-files' }, h('span', {}, 'Apply one file only:'), ...g.files.map((path) => {
      const b = h('vscode-button', { secondary: '', 'data-action': 'apply', 'data-path': path }, path);
      b.addEventListener('click', () => vscode.postMessage({ type: 'action', action: 'apply', runId: state.runId, index: g.representative, path }));
      return b;
    })),
    t && h('details', { class: 'output' }, h('summary', {}, `Test output (last part) · ${t.command} · ${outcome} · ${(t.durationMs / 1000).toFixed(1)} s`), h('pre', {}, t.outputTail || '(no output)')),
  );
}

function legend(): HTMLElement {
  return h('p', { class: 'legend muted', id: 'legend' }, ...cellOrder.map((c) => h('span', { class: 'legend-item' }, h('span', { class: `cell ${c}` }, cellText[c]), ` ${cellTitle[c]}`)));
}

function testGrid(state: PanelState, groups: PanelGroup[], selected: number | undefined): HTMLElement {
  const column = (g: PanelGroup) => (g.representative === selected ? ' selected' : '');
  const head = h(
    'tr',
    {},
    h('th', { class: 'test-name' }, 'Test'),
    ...groups.map((g) => h('th', { class: column(g).trim() || undefined, 'data-rep': String(g.representative), title: `candidate ${g.rank}: ${verdictLabel(g.verdict)}` }, String(g.rank))),
  );
  const rows = state.tests.map((t) =>
    h(
      'tr',
      {},
      h('td', { class: 'test-name', title: t }, t),
      ...groups.map((g) => {
        const c = g.tests[t] ?? 'not-run';
        const note = g.sandbox === 'none' ? ' (unsandboxed)' : '';
        return h('td', { class: `cell ${c}${column(g)}`, 'data-rep': String(g.representative), title: `candidate ${g.rank}: ${cellTitle[c]}${note}` }, cellText[c]);
      }),
    ),
  );
  return h('table', { class: 'grid' }, h('thead', {}, head), h('tbody', {}, ...rows));
}

/** The tests pass on the unchanged files: nothing can be verified, and the user is told what to do. */
function baselinePasses(state: PanelState): HTMLElement | null {
  if (!state.baseline?.passes) return null;
  return h(
    'section',
    { id: 'baseline-passes', class: 'callout' },
    h('h3', {}, 'Your tests already pass'),
    h('p', {}, 'The tests pass on your files as they are, so no candidate can be verified: a verified candidate must make a failing test pass. The candidates below are shown, but "fixes nothing" only means that no test tells.'),
    h('p', {}, 'What to do: add a test that reproduces the issue and solve again, or set the test command (hydrapatch.testCommand) to one that runs such a test.'),
    h('div', { class: 'buttons' }, runButton('Open Settings', 'openSettings'), runButton('Solve Again', 'solveAgain')),
  );
}

function coverage(state: PanelState): HTMLElement | null {
  const cov = state.coverage;
  if (!cov || cov.curve.length === 0) return null;
  const last = cov.curve[cov.curve.length - 1];
  const first = cov.curve[0];
  const forecast = cov.forecast?.[0];
  const words = `${cov.c} of ${plural(cov.n, 'tested sample')} verified. The chance that one sample is a verified fix: ${pct(first.p)}; that ${last.k} samples include one: ${pct(last.p)}.${forecast && forecast.p > last.p ? ` Forecast for ${forecast.k} samples: ${pct(forecast.p)}.` : ''}`;
  return h('section', { id: 'coverage' }, h('h3', {}, 'How likely more samples help'), h('p', { class: 'coverage-words' }, words), drawMoreButton(state), coveragePlot(cov));
}

// --- Control: more samples into the run, and a run reopened from the history ---

/** "Draw N more" beside the forecast: into this run, so the candidates and coverage grow. Absent while running and for a stored run. */
function drawMoreButton(state: PanelState): HTMLElement | null {
  if (!state.drawMore) return null;
  return h('div', { class: 'buttons', id: 'draw-more' },
    runButton(`Draw ${state.drawMore} more`, 'drawMore', false),
    h('span', { class: 'muted' }, `Same issue and files: ${plural(state.drawMore, 'new sample')} tested and ranked with these, the numbers above kept.`));
}

function historyNote(state: PanelState): HTMLElement | null {
  if (!state.history) return null;
  const when = new Date(state.history.savedAt).toLocaleString();
  return h('p', { class: 'callout', id: 'history-note' },
    `Reopened from the run history: “${state.history.title}”, stored ${when}. Apply still checks that your files are the version each candidate was tested on.`);
}

function notAppliedSection(state: PanelState): HTMLElement | null {
  const total = state.notApplied.reduce((n, r) => n + r.samples.length, 0);
  if (total === 0) return null;
  return h(
    'section',
    { id: 'not-applied' },
    h('h3', {}, `Samples that did not apply (${total} of ${state.progress.sampled})`),
    h('ul', {}, ...state.notApplied.map((r) => h('li', {}, h('strong', {}, `${r.samples.length} × `), r.reason, h('span', { class: 'muted' }, ` (sample${r.samples.length === 1 ? '' : 's'} ${r.samples.join(', ')})`)))),
  );
}

function runDetails(state: PanelState): HTMLElement | null {
  const ctx = state.context;
  const b = state.baseline;
  if (!ctx && !state.testCommand && !b) return null;
  return h(
    'section',
    { id: 'run-details' },
    h('h3', {}, 'What the run used'),
    state.testCommand && h('p', { id: 'test-command' }, h('strong', {}, 'Test command: '), h('code', {}, state.testCommand.command), ` — ${state.testCommand.chosen}.`),
    b && h('p', { id: 'baseline' }, h('strong', {}, 'On your unchanged files: '),
      b.passes ? 'every test passes.' : `${plural(b.failing.length, 'test')} fail${b.failing.length === 1 ? 's' : ''}: `, b.passes ? null : h('span', { class: 'mono' }, b.failing.join(', ')),
      b.flaky.length ? ` ${plural(b.flaky.length, 'test')} gave different outcomes between runs (flaky) and ${b.flaky.length === 1 ? 'is' : 'are'} not counted.` : null),
    ctx && contextSection(ctx, (msg) => vscode.postMessage(msg), state.running),
  );
}

function render({ state, selected }: Saved): void {
  const p = state.progress;
  const groups = state.groups.filter((g) => !g.discarded);
  // The blue (primary) Apply goes to the best verified candidate only; untested or failing ones get a plain one.
  const primary = groups.find((g) => g.verdict === 'verified')?.representative;
  const shown = groups.find((g) => g.representative === selected) ?? groups[0];
  const parts: (HTMLElement | SVGElement | null | false | undefined)[] = [
    h(
      'header',
      {},
      h('h2', {}, 'Hydrapatch candidates'),
      h('p', { class: 'progress', id: 'progress' }, `${state.phaseText} · ${p.sampled}/${p.total} sampled · ${p.tested} tested · ${p.passing} verified`),
    ),
    state.testsSkippedReason ? h('p', { class: 'warning' }, `Tests were not run: ${state.testsSkippedReason}`) : null,
    ...(state.testNotes ?? []).map((n) => h('p', { class: 'warning' }, n)),
    state.error ? h('p', { class: 'error' }, `${state.error.message}${state.error.hint ? ` — ${state.error.hint}` : ''}`) : null,
    historyNote(state),
    baselinePasses(state),
    h(
      'section',
      { id: 'groups' },
      h('h3', {}, `Candidates (${groups.length})`),
      h('p', { class: 'muted' }, 'A candidate is one distinct patch; the samples that wrote the same patch count as one.'),
      groups.length === 0
        ? h('p', { class: 'muted' }, 'No candidate applied yet.')
        : h('table', { class: 'groups' }, h('thead', {}, groupHeader()), h('tbody', {}, ...groups.map((g) => groupRow(state, g, g.representative === selected, g.representative === primary)))),
    ),
    evidence(state, shown),
    notAppliedSection(state),
    groups.length > 0 && state.tests.length > 0 ? h('section', { id: 'tests' }, h('h3', {}, 'Tests × candidates'), legend(), testGrid(state, groups, selected)) : null,
    coverage(state) ?? drawMoreButton(state),
    runDetails(state),
  ];
  app.replaceChildren(...parts.filter((x): x is HTMLElement => !!x));
  cancelBar.hidden = !state.running;
}

// Cancel lives outside #app, which re-renders up to every 150 ms during a run: a button made anew at
// each render could lose the user's click.
const cancelBar = h('div', { class: 'buttons', id: 'cancel-bar', hidden: '' }, runButton('Cancel', 'cancel'));
app.before(cancelBar);

// Notices live outside #app, which every state re-renders: an action's notice ("Patch … copied") is
// followed within 150 ms by the state it changed, and must outlive that render.
const notices = h('div', { id: 'notices', role: 'status' });
app.before(notices);

function notice(text: string): void {
  const el = h('p', { class: 'notice' }, text);
  notices.prepend(el);
  setTimeout(() => el.remove(), 6000);
}

window.addEventListener('message', (event: MessageEvent<ToPanel>) => {
  const msg = event.data;
  if (msg.type === 'state') {
    // A new run starts with nothing selected; within a run the selection stays while its group is listed.
    const keep = view?.state.runId === msg.state.runId && msg.state.groups.some((g) => g.representative === view?.selected && !g.discarded);
    view = { state: msg.state, selected: keep ? view?.selected : undefined };
    vscode.setState(view);
    render(view);
  } else if (msg.type === 'notice') notice(msg.text);
});

view = vscode.getState();
if (view) render(view);
vscode.postMessage({ type: 'ready' });
