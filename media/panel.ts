// The review panel (webview). Renders the state the extension posts; keeps it, with the group the user
// selected, in getState/setState, so both come back at once when the panel is hidden and shown again
// (the webview is not retained while hidden); sends back what the user clicks.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import type { CandidateAction, FromPanel, PanelGroup, PanelState, TestCell, ToPanel } from '../src/protocol/webview';
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

/**
 * Selects a group (a click anywhere on its row, its buttons included, or Enter/Space on the row): its
 * row and its column of the test grid are marked in place, so focus and the clicked button stay.
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
}

function groupRow(state: PanelState, g: PanelGroup, selected: boolean): HTMLElement {
  const canAct = g.applyStatus === 'clean' || g.applyStatus === 'fuzzy';
  const row = h(
    'tr',
    {
      class: `group verdict-${g.verdict}${g.discarded ? ' discarded' : ''}${selected ? ' selected' : ''}`,
      'data-group': String(g.id),
      'data-rep': String(g.representative),
      tabindex: '0',
      'aria-selected': String(selected),
    },
    h('td', { class: 'rank' }, `#${g.rank}`),
    h('td', {}, h('vscode-badge', { class: `verdict ${g.verdict}` }, g.verdict), g.editsTests ? h('span', { class: 'warning', title: `Test edits not applied: ${g.editsTests.join(', ')}` }, ' edits tests') : null),
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
  row.addEventListener('click', () => select(g));
  row.addEventListener('keydown', (e) => {
    if (e.target === row && (e.key === 'Enter' || e.key === ' ')) select(g);
  });
  return row;
}

function testGrid(state: PanelState, groups: PanelGroup[], selected: number | undefined): HTMLElement {
  const column = (g: PanelGroup) => (g.representative === selected ? ' selected' : '');
  const head = h(
    'tr',
    {},
    h('th', { class: 'test-name' }, 'test'),
    ...groups.map((g) => h('th', { class: column(g).trim() || undefined, 'data-rep': String(g.representative), title: `group ${g.id}, sample #${g.representative}` }, `#${g.rank}`)),
  );
  const rows = state.tests.map((t) =>
    h(
      'tr',
      {},
      h('td', { class: 'test-name', title: t }, t),
      ...groups.map((g) => {
        const c = g.tests[t] ?? 'not-run';
        const note = g.sandbox === 'none' ? ' (unsandboxed)' : '';
        return h('td', { class: `cell ${c}${column(g)}`, 'data-rep': String(g.representative), title: `${cellTitle[c]}${note}` }, cellText[c]);
      }),
    ),
  );
  return h('table', { class: 'grid' }, h('thead', {}, head), h('tbody', {}, ...rows));
}

function render({ state, selected }: Saved): void {
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
    ...(state.testNotes ?? []).map((n) => h('p', { class: 'warning' }, n)),
    state.error ? h('p', { class: 'error' }, `${state.error.message}${state.error.hint ? ` — ${state.error.hint}` : ''}`) : null,
    state.coverage && state.coverage.curve.length > 0 ? h('section', { id: 'coverage' }, h('h3', {}, 'Coverage (pass@k)'), coveragePlot(state.coverage)) : null,
    h(
      'section',
      { id: 'groups' },
      h('h3', {}, `Groups (${groups.length})`),
      groups.length === 0
        ? h('p', { class: 'muted' }, 'No candidate applied yet.')
        : h('table', { class: 'groups' }, h('tbody', {}, ...groups.map((g) => groupRow(state, g, g.representative === selected)))),
    ),
    groups.length > 0 && state.tests.length > 0 ? h('section', { id: 'tests' }, h('h3', {}, 'Tests × candidates'), testGrid(state, groups, selected)) : null,
  ];
  app.replaceChildren(...parts.filter((x): x is HTMLElement => !!x));
}

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
