// The review panel (webview). Renders the state the extension posts; keeps it in getState/setState so
// it comes back at once when the panel is hidden and shown again; sends back what the user clicks.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import type { CandidateAction, FromPanel, PanelGroup, PanelState, TestCell, ToPanel } from '../src/protocol/webview';
import { coveragePlot } from './coveragePlot';
import { h } from './dom';

interface VsCodeApi {
  postMessage(msg: FromPanel): void;
  getState(): PanelState | undefined;
  setState(state: PanelState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const app = document.getElementById('app') as HTMLElement;

const cellText: Record<TestCell, string> = { pass: '✓', fail: '✗', 'new-failure': '✗!', fixed: '✓+', flaky: '~', 'not-run': '·' };
const cellTitle: Record<TestCell, string> = {
  pass: 'passes',
  fail: 'fails (failed before too)',
  'new-failure': 'new failure: passed before this candidate',
  fixed: 'fixed: failed before, passes now',
  flaky: 'flaky: outcome changed between baseline runs',
  'not-run': 'not run',
};

function button(label: string, action: CandidateAction, state: PanelState, g: PanelGroup, secondary = true): HTMLElement {
  const b = h('vscode-button', { 'data-action': action, 'data-index': String(g.representative), secondary: secondary ? '' : undefined }, label);
  b.addEventListener('click', () => vscode.postMessage({ type: 'action', action, runId: state.runId, index: g.representative }));
  return b;
}

function sandboxNote(g: PanelGroup): HTMLElement | null {
  if (g.sandbox === 'none') return h('span', { class: 'unsandboxed', title: 'The tests ran without a sandbox: the candidate code had the same access as you.' }, '⚠ tests ran unsandboxed');
  if (g.sandbox) return h('span', { class: 'muted' }, `sandbox: ${g.sandbox}`);
  return null;
}

function groupRow(state: PanelState, g: PanelGroup): HTMLElement {
  const canAct = g.applyStatus === 'clean' || g.applyStatus === 'fuzzy';
  return h(
    'tr',
    { class: `group verdict-${g.verdict}${g.discarded ? ' discarded' : ''}`, 'data-group': String(g.id) },
    h('td', { class: 'rank' }, `#${g.rank}`),
    h('td', {}, h('vscode-badge', { class: `verdict ${g.verdict}` }, g.verdict)),
    h('td', { title: `samples ${g.members.join(', ')}` }, `${g.size} sample${g.size === 1 ? '' : 's'}`),
    h('td', {}, g.applied ? 'applied' : g.applyStatus),
    h('td', {}, `${g.changedLines} lines`),
    h('td', { class: 'files' }, g.files.join(', ')),
    h('td', {}, sandboxNote(g)),
    h(
      'td',
      { class: 'actions' },
      canAct && button('Open Diff', 'openDiff', state, g),
      canAct && !g.applied && button('Apply', 'apply', state, g, g.rank !== 1),
      canAct && button('Copy Patch', 'copyPatch', state, g),
      !g.discarded && button('Discard', 'discard', state, g),
    ),
  );
}

function testGrid(state: PanelState, groups: PanelGroup[]): HTMLElement {
  const head = h('tr', {}, h('th', { class: 'test-name' }, 'test'), ...groups.map((g) => h('th', { title: `group ${g.id}, sample #${g.representative}` }, `#${g.rank}`)));
  const rows = state.tests.map((t) =>
    h(
      'tr',
      {},
      h('td', { class: 'test-name', title: t }, t),
      ...groups.map((g) => {
        const c = g.tests[t] ?? 'not-run';
        const note = g.sandbox === 'none' ? ' (unsandboxed)' : '';
        return h('td', { class: `cell ${c}`, title: `${cellTitle[c]}${note}` }, cellText[c]);
      }),
    ),
  );
  return h('table', { class: 'grid' }, h('thead', {}, head), h('tbody', {}, ...rows));
}

function render(state: PanelState): void {
  const p = state.progress;
  const groups = state.groups.filter((g) => !g.discarded);
  const parts: (HTMLElement | SVGElement | null | false)[] = [
    h(
      'header',
      {},
      h('h2', {}, 'Candidates'),
      h('p', { class: 'progress', id: 'progress' }, `${state.phase} · ${p.sampled}/${p.total} sampled · ${p.tested} tested · ${p.passing} pass`),
      state.coverage && h('p', { class: 'coverage-line' }, state.coverage.line),
    ),
    state.testsSkippedReason ? h('p', { class: 'warning' }, `Tests were not run: ${state.testsSkippedReason}`) : null,
    state.error ? h('p', { class: 'error' }, `${state.error.message}${state.error.hint ? ` — ${state.error.hint}` : ''}`) : null,
    state.coverage && state.coverage.curve.length > 0 ? h('section', { id: 'coverage' }, h('h3', {}, 'Coverage (pass@k)'), coveragePlot(state.coverage)) : null,
    h(
      'section',
      { id: 'groups' },
      h('h3', {}, `Groups (${groups.length})`),
      groups.length === 0
        ? h('p', { class: 'muted' }, 'No candidate applied yet.')
        : h('table', { class: 'groups' }, h('tbody', {}, ...groups.map((g) => groupRow(state, g)))),
    ),
    groups.length > 0 && state.tests.length > 0 ? h('section', { id: 'tests' }, h('h3', {}, 'Tests × candidates'), testGrid(state, groups)) : null,
  ];
  app.replaceChildren(...parts.filter((x): x is HTMLElement => !!x));
}

function notice(text: string): void {
  const el = h('p', { class: 'notice', role: 'status' }, text);
  app.prepend(el);
  setTimeout(() => el.remove(), 6000);
}

window.addEventListener('message', (event: MessageEvent<ToPanel>) => {
  const msg = event.data;
  if (msg.type === 'state') {
    vscode.setState(msg.state);
    render(msg.state);
  } else if (msg.type === 'notice') notice(msg.text);
});

const saved = vscode.getState();
if (saved) render(saved);
vscode.postMessage({ type: 'ready' });
