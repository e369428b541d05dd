// One run at a time: asks nothing itself (the command does), calls the pipeline's solve() with a
// cancellable progress notification, and feeds the status bar and the panel from its events.
import * as vscode from 'vscode';
import { HydrapatchError, errorSentences, formatError, type ErrorData } from '../protocol/errors';
import type { ResumableRun, Solve, SolveEvents, SolveOptions, SolveResult } from '../core/pipeline/types';
import type { SampleSource } from '../core/sampling/sampleSource';
import { repoRoot } from '../core/worktree/snapshot';
import { defaultSampleParams } from '../protocol/sampling';
import type { Log } from './log';
import type { ReviewPanel } from './reviewPanel';
import { ContextChoice, type ContextFiles } from './contextChoice';
import { RunState } from './runState';
import { showError } from './errorActions';
import { readSettings, type Settings } from './settings';
import { forEditor } from './words';
import { statusText, type StatusBar } from './statusBar';

export interface RunRequest {
  folder: vscode.WorkspaceFolder;
  issueText: string;
  n: number;
  /** Files pinned into and excluded from the context ("Re-run with this context"). */
  context?: ContextFiles;
}

export type CreateSource = (settings: Settings) => Promise<SampleSource>;

const UNTRUSTED = 'this folder is not trusted, so its tests (which run its code) are never run. Trust the folder to verify candidates.';
const UNSANDBOXED_OK = 'hydrapatch.allowUnsandboxed';
/** Kept of each sample's text for its explanation; a real answer is far shorter. */
const MAX_SAMPLE_CHARS = 20_000;

/** The pipeline's options for a run from the user's request and settings. */
function solveOptions(req: RunRequest, root: string, settings: Settings, trusted: boolean, source: SampleSource, askUnsandboxed: () => Promise<boolean>): SolveOptions {
  return {
    repoDir: root,
    issueText: req.issueText,
    n: req.n,
    testCommand: trusted && settings.testCommand ? settings.testCommand : undefined,
    allowTestEdits: settings.allowTestEdits,
    runTests: trusted,
    source,
    sampleParams: { ...defaultSampleParams, temperature: settings.temperature, topP: settings.topP, maxTokens: settings.maxTokens },
    parallelTests: settings.parallelTests,
    testTimeoutMs: settings.testTimeoutSeconds * 1000,
    outputCapBytes: 4 * 1024 * 1024,
    stopAfterVerified: settings.stopAfterVerified > 0 ? settings.stopAfterVerified : undefined,
    sandbox: settings.sandbox,
    allowUnsandboxed: askUnsandboxed,
    contextBudgetTokens: settings.contextTokens,
    ...(req.context ? { contextFiles: req.context } : {}),
  };
}

/** The panel's "Tests were not run: …" line for a refusal: why, then what to do. */
function skippedReason(e: ErrorData): string {
  return errorSentences({ ...e, message: e.message.replace(/^candidate tests were not run: /, '') });
}

export class RunController {
  private run: RunState | undefined;
  private abort: AbortController | undefined;
  private running: Promise<void> | undefined;
  private nextId = 1;
  private last: RunRequest | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly solve: Solve,
    private readonly createSource: CreateSource,
    private readonly log: Log,
    private readonly statusBar: StatusBar,
    private readonly panel: ReviewPanel,
    /** Told of each round that ended (done, cancelled, or a later round that failed): the history stores it. */
    private readonly onFinished: (run: RunState) => Promise<void> = async () => {},
  ) {}

  /** Makes a run reopened from the history the current one (the panel, diffs and Apply then use it). */
  open(run: RunState): void {
    if (this.busy) throw new HydrapatchError('busy', 'A Hydrapatch run is in progress.', 'Wait for it, or run "Hydrapatch: Cancel", then open the stored run.');
    this.run = run;
    this.refresh();
  }

  /** A fresh run id (runs reopened from the history take one too, so the panel never mixes two runs). */
  newRunId(): number {
    return this.nextId++;
  }

  get current(): RunState | undefined {
    return this.run;
  }

  get busy(): boolean {
    return this.abort !== undefined;
  }

  /** Resolves when no run is in progress. */
  async idle(): Promise<void> {
    // A run that failed was already reported to the user; waiting for it is not an error.
    await this.running?.catch(() => undefined);
  }

  cancel(): boolean {
    if (!this.abort) return false;
    this.log.info('cancel requested');
    this.abort.abort();
    return true;
  }

  start(req: RunRequest): Promise<void> {
    this.last = req;
    return this.launch((abort) => this.execute(req, abort));
  }

  /** Runs one round (a new run, or more samples) as the one in progress. */
  private launch(round: (abort: AbortController) => Promise<void>): Promise<void> {
    if (this.busy) throw new HydrapatchError('busy', 'A Hydrapatch run is already in progress.', 'Wait for it, or run "Hydrapatch: Cancel".');
    const abort = new AbortController();
    this.abort = abort;
    this.running = round(abort).finally(() => {
      this.abort = undefined;
    });
    return this.running;
  }

  /**
   * Draws `n` more samples into the current run (the same issue, prompt, snapshot, baseline and test
   * command): the panel's "Draw N more". Throws when the run cannot take more.
   */
  drawMore(n: number): Promise<void> {
    const run = this.run;
    const req = this.last;
    if (!run || !req || !run.resumable) {
      const why = !run ? 'There is no run yet.'
        : run.stored ? 'This run was reopened from the history; more samples are drawn only into a run of this window.'
          : !run.finished ? 'The run is still in progress.' : 'The run ended before any sample was judged.';
      throw new HydrapatchError('cannot_draw_more', `No more samples can be drawn into this run: ${why}`, 'Run "Hydrapatch: Solve Issue with N Samples" to start a new run.');
    }
    const resume = run.resumable;
    return this.launch((abort) => this.execute({ ...req, n }, abort, { run, resume }));
  }

  /** Solves the last run's issue again, on the files as they are now; `context`: with these pins and exclusions instead. */
  async restart(context?: ContextFiles): Promise<void> {
    if (!this.last) throw new HydrapatchError('no_run', 'There is no earlier run to repeat.', 'Run "Hydrapatch: Solve Issue with N Samples".');
    await this.start(context ? { ...this.last, context } : this.last);
  }

  /**
   * One round: its state shown at once, then solve() under a cancellable notification, then the
   * outcome. `more`: a later round of that run (Draw N more), into the same state.
   */
  private async execute(req: RunRequest, abort: AbortController, more?: { run: RunState; resume: ResumableRun }): Promise<void> {
    const settings = readSettings(req.folder.uri);
    const trusted = vscode.workspace.isTrusted;
    const root = more?.run.repoRoot ?? await repoRoot(req.folder.uri.fsPath);
    const run = more?.run ?? new RunState(this.nextId++, root, req.n, trusted ? undefined : UNTRUSTED);
    if (more) {
      run.resumable = undefined;
      run.error = undefined;
      run.phase = 'sampling';
      run.progress = { ...run.progress, total: run.progress.sampled + req.n };
    } else {
      run.issueText = req.issueText;
      run.contextChoice = new ContextChoice(req.context);
    }
    this.run = run;
    this.refresh();
    this.panel.show();
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Hydrapatch', cancellable: true },
      async (progress, token) => {
        token.onCancellationRequested(() => abort.abort());
        const report = this.reporter(run, progress);
        let source: SampleSource | undefined;
        try {
          source = await this.createSource(settings);
          this.log.info(`run ${run.runId}: ${req.n} samples from ${source.description} in ${root}${trusted ? '' : ' (untrusted: no tests)'}`);
          const options = solveOptions(req, root, settings, trusted, source, () => this.askUnsandboxed());
          const result = await this.solve(options, this.solveEvents(run, options, report), abort.signal, more?.resume);
          this.storeResult(run, result, abort.signal.aborted);
        } catch (err) {
          // A later round that failed leaves the run as it was: the earlier rounds can still take more.
          if (more && !run.resumable) run.resumable = more.resume;
          this.storeFailure(run, err, abort.signal.aborted);
        } finally {
          await source?.close().catch(() => undefined);
          this.refresh();
        }
      },
    );
    if (run.phase !== 'failed' || more) await this.onFinished(run);
    if (run.phase === 'cancelled') void vscode.window.showInformationMessage('Hydrapatch: run cancelled; no worktree or change was left behind.');
  }

  /** Tells the notification how far the run is (half sampling, half testing) and refreshes the views. */
  private reporter(run: RunState, progress: vscode.Progress<{ message?: string; increment?: number }>): () => void {
    let reported = 0;
    return () => {
      const p = run.progress;
      const done = Math.round((100 * (p.sampled + (run.testsSkippedReason ? p.sampled : p.tested))) / (2 * Math.max(1, p.total)));
      progress.report({ message: statusText(run), increment: Math.max(0, done - reported) });
      reported = Math.max(reported, done);
      this.refresh();
    };
  }

  /** The pipeline's events, stored into the run as they come; candidates come only from here. */
  private solveEvents(run: RunState, options: SolveOptions, report: () => void): SolveEvents {
    return {
      onPhase: (phase, detail) => {
        this.log.info(`phase ${phase}${detail ? `: ${detail}` : ''}`);
        // "done" is said once the result is stored (storeResult), not when the pipeline is about to return it.
        if (phase === 'done') return;
        run.phase = phase;
        if (phase === 'baseline' && detail) run.testCommand = { command: detail, chosen: options.testCommand ? 'the hydrapatch.testCommand setting' : 'detected from the repository\'s files (package.json, pyproject.toml, go.mod, Cargo.toml…); set hydrapatch.testCommand to choose another' };
        report();
      },
      onContext: (context) => {
        run.context = context;
        this.log.info(`context: ${context.files.map((f) => f.path).join(', ')} (${context.tokens} of ${context.budgetTokens} tokens)${context.excluded.length ? `; excluded ${context.excluded.join(', ')}` : ''}`);
        for (const d of context.dropped) this.log.warn(`pinned ${d.path} was not sent: ${d.reason}`);
        report();
      },
      onSample: (sample) => run.samples.set(sample.index, sample.text.slice(0, MAX_SAMPLE_CHARS)),
      onBaseline: (b) => {
        run.baseline = b;
        this.log.info(`baseline: ${b.failing.length} failing (${b.failing.join(', ')}), ${b.flaky.length} flaky, sandbox ${b.run.sandbox}`);
        report();
      },
      onCandidateFiles: (index, changes) => run.changes.set(index, changes),
      onResumable: (resumable) => (run.resumable = resumable),
      onCandidate: (c) => {
        run.addCandidate(c);
        report();
      },
      onProgress: (p) => {
        run.progress = p;
        report();
      },
      onWarning: (w) => {
        this.log.warn(formatError(w));
        // Running tests unsandboxed was declined: the run goes on, its candidates untested.
        if (w.code === 'sandbox_consent_refused') {
          run.testsSkippedReason = skippedReason(forEditor(w));
          report();
          void vscode.window.showWarningMessage(`Hydrapatch: ${errorSentences(forEditor(w))}`, 'Show Log').then((a) => a && this.log.show());
        }
      },
    };
  }

  /** What only the result says (the candidates and their ranking came with the events). */
  private storeResult(run: RunState, result: SolveResult, aborted: boolean): void {
    run.baseline = result.baseline;
    run.coverage = result.coverage;
    run.reproTests = result.reproTests ?? [];
    run.sandbox = result.sandbox;
    if (result.testsNotRun) run.testsSkippedReason = skippedReason(forEditor(result.testsNotRun));
    run.phase = aborted ? 'cancelled' : 'done';
    run.freezeNumbers();
    this.log.info(`run ${run.runId} ${run.phase}: ${result.groups.length} groups; ${result.coverage.line}`);
  }

  /** A run that threw: shown to the user unless they cancelled it. */
  private storeFailure(run: RunState, err: unknown, aborted: boolean): void {
    run.phase = aborted ? 'cancelled' : 'failed';
    if (aborted) return;
    const e = HydrapatchError.from(err).toData();
    run.error = forEditor(e);
    showError(this.log, e);
  }

  private async askUnsandboxed(): Promise<boolean> {
    if (this.context.workspaceState.get<boolean>(UNSANDBOXED_OK)) return true;
    const yes = 'Run Tests Unsandboxed';
    const answer = await vscode.window.showWarningMessage(
      'No sandbox is available for the candidates\' tests here: model-written code would run with your permissions.',
      { modal: true, detail: 'Asked once per workspace. Set hydrapatch.sandbox to "required" to never run without one.' },
      yes,
    );
    const ok = answer === yes;
    if (ok) await this.context.workspaceState.update(UNSANDBOXED_OK, true);
    return ok;
  }

  refresh(): void {
    if (!this.run) return;
    this.statusBar.update(this.run);
    this.panel.update();
  }
}
