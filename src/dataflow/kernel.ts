/**
 * The DataFlowKernel: Parsl's model in TypeScript. Apps submit tasks whose arguments may hold
 * futures (also nested in arrays and objects); a task launches on an executor once they resolved,
 * ends `dep_fail` with a DependencyError naming the root failed task if one failed, is retried
 * within its budget (with an optional retry handler pricing each failure), and is memoized and
 * checkpointed when its app asks for it. State lives in `runinfo/NNN/`.
 *
 * Hot path (100,000 no-op tasks in the benchmark): submit allocates a record and a future, no
 * closures beyond one per dependency, no fs writes unless checkpointing, no event objects unless
 * someone listens.
 */
import { setMaxListeners } from 'node:events';
import { join, resolve as resolvePath } from 'node:path';
import type { BlockEvent, Executor, TaskOutcome, TaskRunReport, TaskSpec } from '../executors/index.js';
import { LocalExecutor } from '../executors/index.js';
import { AppFuture, onSettled } from './appFuture.js';
import { allCheckpointFiles, CheckpointWriter, loadCheckpoints } from './checkpoint.js';
import { resolveKernelConfig, type DataFlowKernelConfig, type ResolvedKernelConfig, type ShutdownMode } from './config.js';
import { findFutures, substituteFutures } from './dependencies.js';
import { DependencyError, KernelConfigError, KernelShutDownError, KernelStateError } from './errors.js';
import { memoKey } from './memoKey.js';
import { readDiskMemo, writeDiskMemo } from './diskMemo.js';
import { createRunDir, RunLog } from './runDir.js';
import { RunRecorder } from './record/writer.js';
import { packageVersion } from '../util/index.js';
import type { AppDefinition, TaskRecord } from './taskRecord.js';
import { TaskEvents, type TaskEventName } from './taskEvents.js';
import { isSuccessState, type TaskState } from './taskState.js';

export type KernelState = 'RUNNING' | 'DRAINING' | 'STOPPING' | 'STOPPED';

export interface SubmitOptions {
  /** Cancels this task (a pending one fails at once; a running one has its process group killed). */
  signal?: AbortSignal;
}

export interface ShutdownOptions {
  /** Overrides the config's shutdownMode for this call. */
  mode?: ShutdownMode;
}

/** Task counts by final state (and how many are still in flight). */
export type TaskCounts = Record<TaskState, number> & { submitted: number };

let currentKernel: DataFlowKernel | undefined;

export class DataFlowKernel {
  /** The run directory of this kernel (absolute `runinfo/NNN`). */
  readonly runDir: string;
  readonly events = new TaskEvents();
  readonly config: ResolvedKernelConfig;
  private readonly executors: Map<string, Executor>;
  private readonly defaultExecutor: Executor;
  /** Undefined when the config turns the log file off (`logFile: false`). */
  private readonly runLog: RunLog | undefined;
  /** The run record's writer (docs/run-record.md); undefined with `record: false`. */
  readonly recorder: RunRecorder | undefined;
  private readonly memo = new Map<string, unknown>();
  /** Memoized tasks running now, by key: an identical task waits for the one running. */
  private readonly memoInFlight = new Map<string, TaskRecord>();
  private readonly checkpointWriter: CheckpointWriter;
  /** Tasks not yet in a final state. */
  private readonly unfinished = new Map<number, TaskRecord>();
  private readonly abort = new AbortController();
  private readonly drainWaiters: Array<() => void> = [];
  private readonly counts: TaskCounts = { submitted: 0, pending: 0, launched: 0, running: 0, exec_done: 0, failed: 0, dep_fail: 0, memo_done: 0 };
  private nextTaskId = 0;
  private _state: KernelState = 'RUNNING';
  private shutdownPromise: Promise<void> | undefined;

  /** The folder that keeps memoized results across runs (config `cacheDir`, absolute), if any. */
  get cacheDir(): string | undefined {
    return this.config.cacheDir;
  }

  private constructor(config: ResolvedKernelConfig, runDir: string, executors: Executor[]) {
    this.config = config;
    this.runDir = runDir;
    this.runLog = config.logFile ? new RunLog(runDir) : undefined;
    this.checkpointWriter = new CheckpointWriter(runDir);
    const rc = config.record;
    this.recorder =
      rc === false
        ? undefined
        : new RunRecorder(
            rc.dir ?? runDir,
            { executor: executors.map((e) => e.label).join(','), version: packageVersion(), ...(rc.process !== undefined ? { process: rc.process } : {}), ...(rc.jobFile !== undefined ? { jobFile: rc.jobFile } : {}), ...(rc.argv !== undefined ? { argv: rc.argv } : {}) },
            (line) => {
              this.log(`WARNING: ${line}`);
              config.warn?.(line);
            },
          );
    this.executors = new Map(executors.map((e) => [e.label, e]));
    this.defaultExecutor = executors[0] as Executor;
    // Every task in flight listens to this signal through its executor: more than 10 is normal.
    setMaxListeners(0, this.abort.signal);
  }

  /** Create a kernel, start its executors, and make it the current kernel (apps use it by default). */
  static async load(config?: DataFlowKernelConfig): Promise<DataFlowKernel> {
    const resolved = resolveKernelConfig(config);
    let runDir: string;
    try {
      runDir = createRunDir(resolved.runDir);
    } catch (err) {
      throw new KernelConfigError('runDir', `cannot create a run directory under ${resolvePath(resolved.runDir)} (${(err as Error).message}); choose a writable folder`);
    }
    const executors = resolved.executors ?? [new LocalExecutor({ maxWorkers: resolved.maxWorkers })];
    let dfk: DataFlowKernel;
    try {
      dfk = new DataFlowKernel(resolved, runDir, executors);
    } catch (err) {
      const dir = resolved.record === false ? undefined : resolved.record.dir;
      throw new KernelConfigError('record.dir', `cannot create the run record's folder ${resolvePath(dir ?? runDir)} (${(err as Error).message}); choose a writable folder`);
    }
    const recorder = dfk.recorder;
    dfk.log(`kernel started in ${runDir}; executors: ${executors.map((e) => e.label).join(', ')}`);
    const files = resolved.checkpointFiles === 'all' ? allCheckpointFiles(resolvePath(resolved.runDir)) : resolved.checkpointFiles;
    if (files.length > 0) dfk.log(`loaded ${loadCheckpoints(files, dfk.memo)} checkpointed results from ${files.length} file(s)`);
    const started: Executor[] = [];
    try {
      for (const e of executors) {
        await e.start({
          runDir,
          log: (line) => dfk.log(`[${e.label}] ${line}`),
          warn: (line) => {
            dfk.log(`[${e.label}] WARNING: ${line}`);
            resolved.warn?.(`${e.label}: ${line}`);
          },
          taskRunning: (id) => dfk.markRunning(id),
          ...(recorder
            ? {
                taskReport: (id: number, attempt: number, report: TaskRunReport) => recorder.report(id, attempt, report),
                blockEvent: (event: BlockEvent) => recorder.block(e.label, event),
              }
            : {}),
        });
        started.push(e);
      }
    } catch (err) {
      await Promise.allSettled(started.map((e) => e.shutdown()));
      await dfk.recorder?.close('failed');
      await dfk.runLog?.close();
      throw err;
    }
    currentKernel = dfk;
    return dfk;
  }

  /** The kernel apps use when none is given: the last one loaded and not shut down. */
  static current(): DataFlowKernel | undefined {
    return currentKernel;
  }

  /** The current kernel, or a KernelStateError telling the caller to load one. */
  static require(): DataFlowKernel {
    if (!currentKernel) throw new KernelStateError('no DataFlowKernel is loaded: call `await DataFlowKernel.load()` first, or pass { dfk }');
    return currentKernel;
  }

  get state(): KernelState {
    return this._state;
  }

  /** Append a line to runinfo/NNN/parsl.log (unless the config turned the file off). */
  log(line: string): void {
    this.runLog?.write(line);
    this.config.log?.(line);
  }

  /**
   * Path of the run's log file, with every line logged so far written to it (lines are buffered).
   * With `logFile: false` there is no such file.
   */
  get logPath(): string {
    this.runLog?.flush();
    return this.runLog?.path ?? join(this.runDir, 'parsl.log');
  }

  /** The executor with this label. */
  executor(label: string): Executor | undefined {
    return this.executors.get(label);
  }

  /** Counts of tasks by state (final states count finished tasks; the others, tasks now in them). */
  taskCounts(): TaskCounts {
    const c = { ...this.counts, pending: 0, launched: 0, running: 0 };
    for (const r of this.unfinished.values()) c[r.state]++;
    return c;
  }

  /** Tasks submitted and not final. */
  outstanding(): number {
    return this.unfinished.size;
  }

  /** Submit one task of `app`. Futures anywhere in `args` become dependencies. */
  submit<A, T>(app: AppDefinition<A, T>, args: A, options?: SubmitOptions): AppFuture<T> {
    const rec: TaskRecord = {
      id: this.nextTaskId++,
      app: app as AppDefinition,
      args,
      state: 'pending',
      failCount: 0,
      failCost: 0,
      depsPending: 0,
      result: undefined,
      error: undefined,
      listeners: undefined,
      memoKey: undefined,
      submittedAt: Date.now(),
      retries: app.retries ?? this.config.retries,
      signal: options?.signal,
      onAbort: undefined,
    };
    const future = new AppFuture<T>(rec);
    this.counts.submitted++;
    if (this._state === 'STOPPING' || this._state === 'STOPPED') {
      this.finalize(rec, 'failed', new KernelShutDownError(rec.id, 'submitted after the kernel began shutting down'));
      return future;
    }
    this.unfinished.set(rec.id, rec);
    this.recorder?.submitted(rec.id, rec.submittedAt, app.name, app.describe?.(args));
    if (this.events.has('submitted')) this.emit('submitted', rec);
    if (rec.signal) {
      if (rec.signal.aborted) {
        this.finalize(rec, 'failed', rec.signal.reason);
        return future;
      }
      const onAbort = (): void => this.cancelPending(rec);
      rec.signal.addEventListener('abort', onAbort, { once: true });
      rec.onAbort = onAbort;
    }
    let deps: readonly AppFuture[];
    try {
      deps = findFutures(args);
    } catch (err) {
      this.finalize(rec, 'failed', err);
      return future;
    }
    if (deps.length === 0) {
      this.launch(rec);
    } else {
      rec.depsPending = deps.length;
      const onDep = (): void => {
        if (--rec.depsPending === 0) this.dependenciesSettled(rec, deps);
      };
      for (const d of deps) onSettled(d.record, onDep);
    }
    return future;
  }

  /** Resolves when every task submitted so far (and any they cause) reached a final state. */
  waitForCurrentTasks(): Promise<void> {
    if (this.unfinished.size === 0) return Promise.resolve();
    return new Promise((done) => this.drainWaiters.push(done));
  }

  /** Write memoized results not yet written to this run's checkpoint file; returns how many. */
  checkpoint(): number {
    const n = this.checkpointWriter.flush();
    if (n > 0) this.log(`checkpointed ${n} result(s)`);
    return n;
  }

  /**
   * Stop the kernel. 'wait' (default) lets submitted tasks finish (new ones are still accepted
   * while draining, as running apps may submit); 'cancel' fails pending tasks and kills running
   * ones. Then every executor shuts down, leaving no process behind. Same promise on repeat calls.
   */
  shutdown(options?: ShutdownOptions): Promise<void> {
    this.shutdownPromise ??= this.doShutdown(options?.mode ?? this.config.shutdownMode);
    return this.shutdownPromise;
  }

  private async doShutdown(mode: ShutdownMode): Promise<void> {
    this.log(`shutdown (${mode}) with ${this.unfinished.size} task(s) in flight`);
    const problems: unknown[] = [];
    if (mode === 'wait' && this.unfinished.size > 0) {
      this._state = 'DRAINING';
      const drained = this.waitForCurrentTasks();
      const limit = this.config.shutdownTimeoutMs;
      if (limit === undefined) await drained;
      else {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([drained, new Promise<void>((r) => (timer = setTimeout(r, limit)))]);
        if (timer) clearTimeout(timer);
        if (this.unfinished.size > 0) this.log(`shutdown: ${this.unfinished.size} task(s) still running after ${limit} ms; cancelling them`);
      }
    }
    this._state = 'STOPPING';
    this.cancelAll();
    for (const e of this.executors.values()) {
      try {
        await e.shutdown();
      } catch (err) {
        problems.push(err);
        this.log(`executor ${e.label} failed to shut down: ${String(err)}`);
      }
    }
    // Cancelled tasks settle as their executors reject them; wait for that bookkeeping too.
    await this.waitForCurrentTasks();
    try {
      this.checkpoint();
    } catch (err) {
      problems.push(err);
    }
    const c = this.taskCounts();
    this.log(`kernel stopped: ${c.submitted} submitted, ${c.exec_done} done, ${c.memo_done} memo_done, ${c.failed} failed, ${c.dep_fail} dep_fail`);
    // A status the program set (the CLI: the run's own outcome) stands; else the tasks' outcome.
    await this.recorder?.close(c.failed + c.dep_fail > 0 || problems.length > 0 ? 'failed' : 'succeeded');
    await this.runLog?.close();
    if (currentKernel === this) currentKernel = undefined;
    this._state = 'STOPPED';
    if (problems.length > 0) throw problems[0];
  }

  /** Fail every task that has not launched, and abort the ones running. */
  private cancelAll(): void {
    if (this.unfinished.size === 0) return;
    this.abort.abort(new KernelShutDownError(undefined, 'cancelled by kernel shutdown'));
    for (const rec of [...this.unfinished.values()]) {
      if (rec.state === 'pending') this.finalize(rec, 'failed', new KernelShutDownError(rec.id, 'cancelled by kernel shutdown before it ran'));
    }
  }

  private cancelPending(rec: TaskRecord): void {
    if (rec.state === 'pending') this.finalize(rec, 'failed', rec.signal?.reason);
  }

  private dependenciesSettled(rec: TaskRecord, deps: readonly AppFuture[]): void {
    if (isFinalState(rec.state)) return;
    const failed: TaskRecord[] = [];
    for (const d of deps) if (!isSuccessState(d.record.state) && !failed.includes(d.record)) failed.push(d.record);
    if (failed.length > 0) {
      const first = failed[0] as TaskRecord;
      const rootErr = first.error;
      const err =
        rootErr instanceof DependencyError
          ? new DependencyError(rec.id, rec.app.name, rootErr.rootTaskId, rootErr.rootAppName, failed.map((f) => f.id), rootErr.cause)
          : new DependencyError(rec.id, rec.app.name, first.id, first.app.name, failed.map((f) => f.id), rootErr);
      this.finalize(rec, 'dep_fail', err);
      return;
    }
    try {
      rec.args = substituteFutures(rec.args);
    } catch (err) {
      this.finalize(rec, 'failed', err);
      return;
    }
    this.recorder?.ready(rec.id);
    this.launch(rec);
  }

  private launch(rec: TaskRecord): void {
    if (!rec.app.cache || !this.config.appCache) {
      this.tryTask(rec);
      return;
    }
    const app = rec.app;
    memoKey(app.identity, app.memoArgs ? app.memoArgs(rec.args) : rec.args).then(
      (key) => {
        if (isFinalState(rec.state)) return;
        rec.memoKey = key;
        if (this.memo.has(key)) {
          rec.result = this.memo.get(key);
          this.finalize(rec, 'memo_done');
          return;
        }
        if (this.config.cacheDir !== undefined && app.diskMemo !== false) {
          const stored = readDiskMemo(this.config.cacheDir, key);
          if (stored.found) {
            this.memo.set(key, stored.result);
            rec.result = stored.result;
            this.finalize(rec, 'memo_done');
            return;
          }
        }
        const twin = this.memoInFlight.get(key);
        if (twin === undefined) {
          this.memoInFlight.set(key, rec);
          this.tryTask(rec);
          return;
        }
        // The same work is running now: share its result rather than run it twice.
        onSettled(twin, () => {
          if (isFinalState(rec.state)) return;
          if (isSuccessState(twin.state)) {
            rec.result = twin.result;
            this.finalize(rec, 'memo_done');
          } else this.launch(rec); // it failed: this task gets its own tries
        });
      },
      (err: unknown) => {
        // An input that cannot be hashed (e.g. a missing file) is the task's problem to report.
        this.log(`task ${rec.id} (${app.name}): no memo key (${String(err)}); running it`);
        if (!isFinalState(rec.state)) this.tryTask(rec);
      },
    );
  }

  private tryTask(rec: TaskRecord): void {
    let spec: TaskSpec | Promise<TaskSpec>;
    try {
      spec = rec.app.prepare(rec.args, { taskId: rec.id, attempt: rec.failCount, runDir: this.runDir, cacheDir: this.config.cacheDir });
    } catch (err) {
      this.finalize(rec, 'failed', err);
      return;
    }
    if (spec instanceof Promise) {
      spec.then(
        (s) => this.dispatch(rec, s),
        (err: unknown) => {
          if (!isFinalState(rec.state)) this.finalize(rec, 'failed', err);
        },
      );
    } else this.dispatch(rec, spec);
  }

  private dispatch(rec: TaskRecord, spec: TaskSpec): void {
    if (isFinalState(rec.state)) return;
    const executor = rec.app.executor !== undefined ? this.executors.get(rec.app.executor) : this.defaultExecutor;
    if (!executor) {
      this.finalize(rec, 'failed', new KernelStateError(`app '${rec.app.name}' asks for executor '${rec.app.executor}', but the kernel has: ${[...this.executors.keys()].join(', ')}`));
      return;
    }
    rec.state = 'launched';
    this.recorder?.launched(rec.id, rec.failCount, executor.label, spec.kind === 'job' ? spec.runner : spec.kind);
    if (this.events.has('launched')) this.emit('launched', rec);
    const signal = rec.signal ? AbortSignal.any([this.abort.signal, rec.signal]) : this.abort.signal;
    executor.submit({ taskId: rec.id, attempt: rec.failCount, spec }, signal).then(
      (outcome) => this.completed(rec, spec, outcome),
      (err: unknown) => this.failedTry(rec, err),
    );
  }

  private markRunning(taskId: number): void {
    const rec = this.unfinished.get(taskId);
    if (rec && rec.state === 'launched') {
      rec.state = 'running';
      this.recorder?.running(rec.id, rec.failCount);
      if (this.events.has('running')) this.emit('running', rec);
    }
  }

  private completed(rec: TaskRecord, spec: TaskSpec, outcome: TaskOutcome): void {
    if (isFinalState(rec.state)) return;
    let result: unknown;
    try {
      result = rec.app.complete(outcome, rec.args, spec);
    } catch (err) {
      this.failedTry(rec, err);
      return;
    }
    rec.result = result;
    if (rec.memoKey !== undefined) {
      this.memo.set(rec.memoKey, result);
      if (this.config.cacheDir !== undefined && rec.app.diskMemo !== false) {
        const problem = writeDiskMemo(this.config.cacheDir, rec.memoKey, result);
        if (problem !== undefined) this.log(`task ${rec.id} (${rec.app.name}): ${problem}`);
      }
      if (this.config.checkpointMode !== 'none') {
        this.checkpointWriter.add({ key: rec.memoKey, result });
        if (this.config.checkpointMode === 'task_exit') this.checkpointWriter.flush();
      }
    }
    this.finalize(rec, 'exec_done');
  }

  private failedTry(rec: TaskRecord, err: unknown): void {
    if (isFinalState(rec.state)) return;
    rec.failCount++;
    let cost = 1;
    const handler = this.config.retryHandler;
    if (handler) {
      try {
        cost = handler(err, { taskId: rec.id, appName: rec.app.name, failCount: rec.failCount, failCost: rec.failCost });
      } catch (handlerErr) {
        this.log(`task ${rec.id} (${rec.app.name}): retry handler threw (${String(handlerErr)}); not retrying`);
        cost = Infinity;
      }
    }
    rec.failCost += cost;
    const cancelled = this._state === 'STOPPING' || rec.signal?.aborted === true;
    if (!cancelled && rec.failCost <= rec.retries) {
      this.log(`task ${rec.id} (${rec.app.name}) failed try ${rec.failCount} (cost so far ${rec.failCost} of ${rec.retries}); retrying: ${errorLine(err)}`);
      this.recorder?.tryFailed(rec.id, rec.failCount - 1, err);
      rec.state = 'pending';
      this.tryTask(rec);
      return;
    }
    this.finalize(rec, 'failed', err);
  }

  private finalize(rec: TaskRecord, state: TaskState, error?: unknown): void {
    rec.state = state;
    rec.error = error;
    rec.args = undefined;
    // Many tasks may share one caller signal (a workflow's): drop our listener, not keep it for the run.
    if (rec.onAbort) rec.signal?.removeEventListener('abort', rec.onAbort);
    rec.signal = undefined;
    rec.onAbort = undefined;
    if (rec.memoKey !== undefined && this.memoInFlight.get(rec.memoKey) === rec) this.memoInFlight.delete(rec.memoKey);
    this.counts[state]++;
    this.unfinished.delete(rec.id);
    this.recorder?.ended(rec.id, state, error);
    if (state === 'failed' || state === 'dep_fail') {
      this.log(`task ${rec.id} (${rec.app.name}) ${state}: ${errorLine(error)}`);
      if (this.events.has('failed')) this.emit('failed', rec);
    } else if (this.events.has('done')) this.emit('done', rec);
    const listeners = rec.listeners;
    rec.listeners = undefined;
    if (listeners) for (const l of listeners) l();
    if (this.unfinished.size === 0 && this.drainWaiters.length > 0) {
      for (const w of this.drainWaiters.splice(0)) w();
    }
  }

  private emit(name: TaskEventName, rec: TaskRecord): void {
    this.events.emit(name, { taskId: rec.id, appName: rec.app.name, state: rec.state, attempt: rec.failCount, error: rec.error });
  }
}

function isFinalState(s: TaskState): boolean {
  return s === 'exec_done' || s === 'failed' || s === 'dep_fail' || s === 'memo_done';
}

function errorLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
}
