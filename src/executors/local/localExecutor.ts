/**
 * LocalExecutor: the embedded default executor. Runs tasks in this process's machine with
 * {@link runTask}, at most `maxWorkers` at once (default: the number of cores); the rest wait in a
 * FIFO queue. Without an explicit `maxWorkers`, up to twice the number of cores of CWL jobs' tool
 * commands run at once: their tools are mostly short processes this process waits on, and
 * overlapping one job's file work with another's process is faster (docs/tool-start.md has the
 * figures). Twice that many CWL jobs are under way, so that when a command ends a prepared job's
 * command starts at once (a ProcessSlots of src/process), while the ended job's outputs are
 * collected (docs/workflows.md#benchmark). No-op tasks
 * skip the queue (they occupy nothing), which keeps the kernel benchmark a measure of the kernel.
 */
import { availableParallelism } from 'node:os';
import type { Executor, ExecutorStartContext, ExecutorState, TaskEnvelope, TaskOutcome, TaskRunReport } from '../executor.js';
import { ExecutorFailedError, ExecutorStateError } from '../errors.js';
import { ProcessSlots } from '../../process/index.js';
import { runTask } from '../taskRunner.js';

export interface LocalExecutorOptions {
  label?: string;
  /**
   * Tasks running at once (default: the number of cores; CWL jobs' commands: twice that, with
   * twice that many CWL jobs under way). Given, it limits CWL jobs and their commands alike.
   */
  maxWorkers?: number;
  /** SIGTERM→SIGKILL grace for stopped process groups of bash tasks and CWL tools, in ms (default: the process supervisor's, 2000). */
  killGraceMs?: number;
}

interface QueuedTask {
  task: TaskEnvelope;
  signal: AbortSignal | undefined;
  resolve: (o: TaskOutcome) => void;
  reject: (e: unknown) => void;
}

const NOOP: TaskOutcome = Object.freeze({ kind: 'noop' });
/** One settled promise for every no-op task: nothing to allocate per task. */
const NOOP_DONE: Promise<TaskOutcome> = Promise.resolve(NOOP);

export class LocalExecutor implements Executor {
  readonly label: string;
  readonly maxWorkers: number;
  /** Limit for `job` tasks (CWL tools): `maxWorkers` when it was given, else twice `jobCommandSlots.size`. */
  readonly jobWorkers: number;
  /** Without `maxWorkers`: how many job commands (CWL tools) run at once (twice the number of cores). */
  readonly jobCommandSlots: ProcessSlots | undefined;
  private readonly killGraceMs: number | undefined;
  private _state: ExecutorState = 'INITIALIZED';
  private queue: Array<QueuedTask | undefined> = [];
  private taskRunning: ((taskId: number) => void) | undefined;
  private taskReport: ExecutorStartContext['taskReport'];
  private log: ((line: string) => void) | undefined;
  private queueHead = 0;
  /** Abort controllers of the tasks running now: shutdown kills their process groups. */
  private readonly running = new Set<AbortController>();
  private runningSettled = new Set<Promise<unknown>>();
  private shutdownPromise: Promise<void> | undefined;
  /** Highest number of tasks that ran at once (tests and reports read it). */
  peakRunning = 0;

  constructor(options: LocalExecutorOptions = {}) {
    this.label = options.label ?? 'local';
    this.maxWorkers = options.maxWorkers ?? availableParallelism();
    this.jobCommandSlots = options.maxWorkers === undefined ? new ProcessSlots(2 * availableParallelism()) : undefined;
    this.jobWorkers = options.maxWorkers ?? 4 * availableParallelism();
    this.killGraceMs = options.killGraceMs;
    if (!Number.isInteger(this.maxWorkers) || this.maxWorkers < 1) {
      throw new ExecutorFailedError(this.label, `maxWorkers must be a positive integer, got ${String(options.maxWorkers)}`);
    }
  }

  get state(): ExecutorState {
    return this._state;
  }

  async start(ctx: ExecutorStartContext): Promise<void> {
    if (this._state !== 'INITIALIZED') throw new ExecutorStateError(this.label, this._state, 'start');
    this.taskRunning = ctx.taskRunning;
    this.taskReport = ctx.taskReport;
    this.log = ctx.log;
    this._state = 'RUNNING';
  }

  submit(task: TaskEnvelope, signal?: AbortSignal): Promise<TaskOutcome> {
    if (this._state !== 'RUNNING') return Promise.reject(new ExecutorStateError(this.label, this._state, 'submit a task'));
    if (task.spec.kind === 'noop') return NOOP_DONE;
    return new Promise<TaskOutcome>((resolve, reject) => {
      const entry: QueuedTask = { task, signal, resolve, reject };
      if (this.queueHead === this.queue.length && this.running.size < this.limitFor(entry)) this.start1(entry);
      else this.queue.push(entry);
    });
  }

  outstanding(): number {
    return this.running.size + this.queue.length - this.queueHead;
  }

  /** Tasks running right now. */
  runningCount(): number {
    return this.running.size;
  }

  private start1(entry: QueuedTask): void {
    const controller = new AbortController();
    const { signal } = entry;
    const onAbort = (): void => controller.abort(signal?.reason);
    if (signal) {
      if (signal.aborted) {
        entry.reject(signal.reason);
        this.next();
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
    }
    this.running.add(controller);
    if (this.running.size > this.peakRunning) this.peakRunning = this.running.size;
    this.taskRunning?.(entry.task.taskId);
    const taskReport = this.taskReport;
    const report: TaskRunReport | undefined = taskReport ? { startedAt: Date.now() } : undefined;
    const run = runTask(entry.task.spec, controller.signal, { killGraceMs: this.killGraceMs, log: this.log, processSlots: this.jobCommandSlots, report });
    const { taskId, attempt } = entry.task;
    const settled = (
      report && taskReport
        ? run.finally(() => {
            report.endedAt = Date.now();
            taskReport(taskId, attempt, report);
          })
        : run
    ).then(entry.resolve, entry.reject);
    this.runningSettled.add(settled);
    void settled.finally(() => {
      signal?.removeEventListener('abort', onAbort);
      this.running.delete(controller);
      this.runningSettled.delete(settled);
      this.next();
    });
  }

  private limitFor(entry: QueuedTask): number {
    return entry.task.spec.kind === 'job' ? this.jobWorkers : this.maxWorkers;
  }

  private next(): void {
    while (this.queueHead < this.queue.length) {
      const entry = this.queue[this.queueHead] as QueuedTask;
      if (this.running.size >= this.limitFor(entry)) return; // FIFO: the head waits for its slot
      this.queue[this.queueHead] = undefined; // let the finished entry be collected
      this.queueHead++;
      if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.queueHead);
        this.queueHead = 0;
      }
      this.start1(entry);
    }
  }

  /**
   * Rejects queued tasks, kills the process groups of running ones and waits until they are gone.
   * Safe to call twice (same promise). The kernel drains first when it shuts down in "wait" mode.
   */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.doShutdown();
    return this.shutdownPromise;
  }

  private async doShutdown(): Promise<void> {
    this._state = 'STOPPING';
    const queued = this.queue.slice(this.queueHead);
    this.queue = [];
    this.queueHead = 0;
    for (const q of queued) {
      if (!q) continue;
      // A task its submitter already cancelled fails with the submitter's reason.
      q.reject(q.signal?.aborted ? q.signal.reason : new ExecutorFailedError(this.label, `shut down before task ${q.task.taskId} started`));
    }
    const reason = new ExecutorFailedError(this.label, 'shut down while the task was running; its process group was killed');
    for (const c of this.running) c.abort(reason);
    await Promise.allSettled([...this.runningSettled]);
    this._state = 'STOPPED';
  }
}
