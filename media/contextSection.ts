// "Sent to the model" in the review panel: the files of the run's context with why each was chosen and
// the token budget, and the user's steering of the next run: pin a file (sent whatever its rank),
// exclude one (never sent), then "Re-run with this context". The extension keeps the pins and
// exclusions; this only shows them and sends the clicks.
import { contextReason, type ContextAction, type FromPanel, type PanelContext } from '../src/protocol/webview';
import { h } from './dom';

type Post = (msg: FromPanel) => void;

const actionLabels: Record<ContextAction, string> = { pin: 'Pin', unpin: 'Unpin', exclude: 'Exclude', include: 'Include' };

function contextButton(post: Post, action: ContextAction, path: string): HTMLElement {
  const b = h('vscode-button', { secondary: '', 'data-context-action': action, title: `${actionLabels[action]} ${path} for the next run` }, actionLabels[action]);
  b.addEventListener('click', () => post({ type: 'context', action, path }));
  return b;
}

/** A file's mark and buttons by what the next run will do with it. */
function steering(ctx: PanelContext, post: Post, path: string, canExclude: boolean): (HTMLElement | string)[] {
  if (ctx.next.pinned.includes(path)) return [h('span', { class: 'steer-mark' }, ' pinned'), contextButton(post, 'unpin', path)];
  if (ctx.next.excluded.includes(path)) return [h('span', { class: 'steer-mark' }, ' excluded'), contextButton(post, 'include', path)];
  return [contextButton(post, 'pin', path), ...(canExclude ? [contextButton(post, 'exclude', path)] : [])];
}

function pathList(id: string, title: string, paths: string[], item: (path: string) => (HTMLElement | string | null)[]): HTMLElement | null {
  if (paths.length === 0) return null;
  return h('div', { id }, h('p', {}, title), h('ul', {}, ...paths.map((p) => h('li', { 'data-path': p }, h('code', {}, p), ...item(p)))));
}

/** What the next run would change, said in words, and the button that starts it. */
function nextRun(ctx: PanelContext, post: Post, running: boolean): HTMLElement {
  const { pinned, excluded, changed } = ctx.next;
  const words = [pinned.length ? `pins ${pinned.join(', ')}` : '', excluded.length ? `leaves out ${excluded.join(', ')}` : ''].filter(Boolean).join(' and ');
  const rerun = h('vscode-button', { 'data-run-action': 'rerunWithContext', secondary: changed ? undefined : '', disabled: running ? '' : undefined }, 'Re-run with this context');
  rerun.addEventListener('click', () => post({ type: 'run', action: 'rerunWithContext' }));
  const budget = h('vscode-button', { secondary: '', 'data-run-action': 'openSettings', title: 'hydrapatch.contextTokens' }, 'Change Budget');
  budget.addEventListener('click', () => post({ type: 'run', action: 'openSettings' }));
  const pinOther = h('vscode-button', { secondary: '', 'data-run-action': 'pinFile', title: 'Any file of the repository, also one that shares nothing with the issue' }, 'Pin Another File…');
  pinOther.addEventListener('click', () => post({ type: 'run', action: 'pinFile' }));
  return h(
    'div',
    { id: 'context-next' },
    h('p', { class: 'muted' }, `${words ? `The next run ${words}` : 'Pin a file to send it whatever its rank; exclude one to leave it out'}. The budget is the hydrapatch.contextTokens setting.`),
    h('div', { class: 'buttons' }, rerun, pinOther, budget),
  );
}

export function contextSection(ctx: PanelContext, post: Post, running: boolean): HTMLElement {
  // Pinned for the next run but in none of this run's lists (picked with "Pin Another File…").
  const shown = new Set([...ctx.files.map((f) => f.path), ...ctx.dropped.map((d) => d.path), ...ctx.leftOut, ...ctx.excluded]);
  return h(
    'div',
    { id: 'context' },
    h('p', {}, h('strong', {}, 'Sent to the model: '), `${ctx.files.length === 1 ? '1 file' : `${ctx.files.length} files`} and a map of the repository, ${ctx.tokens} of the ${ctx.budgetTokens}-token budget.`),
    h('ul', { id: 'context-files' }, ...ctx.files.map((f) => h(
      'li',
      { 'data-path': f.path },
      h('code', {}, f.path),
      f.excerpt ? ` lines ${f.excerpt.startLine}–${f.excerpt.endLine} of ${f.excerpt.totalLines}` : ' (whole file)',
      h('span', { class: 'muted' }, ` — ${f.reasons.map(contextReason).join('; ')}`),
      ...steering(ctx, post, f.path, true),
    ))),
    ctx.dropped.length ? h('div', { id: 'context-dropped' }, ...ctx.dropped.map((d) => h('p', { class: 'warning', 'data-path': d.path }, 'Pinned but not sent: ', h('code', {}, d.path), ` — ${d.reason}.`, ...steering(ctx, post, d.path, false)))) : null,
    pathList('context-left-out', 'Related but left out (over the budget or the file limit): pin the file to fix if it is among them.', ctx.leftOut, (p) => steering(ctx, post, p, false)),
    pathList('context-excluded', 'Left out because you excluded them:', ctx.excluded, (p) => steering(ctx, post, p, false)),
    pathList('context-pinned', 'Also pinned for the next run:', ctx.next.pinned.filter((p) => !shown.has(p)), (p) => steering(ctx, post, p, false)),
    nextRun(ctx, post, running),
  );
}
