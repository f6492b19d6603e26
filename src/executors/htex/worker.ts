/**
 * An HTEX worker process: forked by its pool, one per core. Receives task batches over Node IPC,
 * runs them one at a time with THE task runner (../taskRunner.ts, so local and HTEX cannot drift
 * apart; its processes start through this process's supervisor, src/process), and sends results
 * back in batches: every result finished in the same event-loop turn goes in one message.
 *
 * Each task runs with its own AbortController, aborted by a `cancel` naming it or by the worker
 * stopping: runTask then stops it as the local executor does (SIGTERM to its process group, SIGKILL
 * after the grace period). A cancelled task that has not started is answered at once and never runs.
 * A worker killed outright (kill -9) takes its running process group along: the native spawner
 * kills the groups it started when its parent dies.
 */
import { errorToJson } from '../../util/index.js';
import { DEFAULT_KILL_GRACE_MS, ProcessLostError, processesIdle } from '../../process/index.js';
import { WorkerLostError } from '../errors.js';
import { runTask } from '../taskRunner.js';
import type { TaskOutcome, TaskRunReport } from '../executor.js';
import { cancelledResult, type FromWorker, type ToWorker, type WireResult, type WireTask } from './protocol.js';

/** The abort reason of a task cancelled by the executor (its result becomes a `cancelledResult`). */
const CANCELLED = new Error('cancelled by the executor');

export function runWorker(workerId: string): void {
  const send = (m: FromWorker): void => {
    if (process.connected) process.send?.(m);
  };
  const queue: WireTask[] = [];
  let head = 0;
  /** Tasks received and not answered yet. */
  let unfinished = 0;
  let busy = false;
  let results: WireResult[] = [];
  let flushScheduled = false;
  /**
   * One controller per bash or CWL task started and not answered yet: a cancel or the worker
   * stopping aborts it. Made when the task starts (a noop needs none: it cannot be stopped).
   */
  const controllers = new Map<number, AbortController>();
  // Stopping aborts every task: runTask kills a bash command's or CWL tool's process group (SIGTERM,
  // then SIGKILL after its grace) before it settles, so the worker leaves nothing running behind it.
  // The wait is bounded: at exit the supervisor SIGKILLs whatever group is left.
  const stopping = new AbortController();
  const stop = (): void => {
    if (stopping.signal.aborted) return;
    stopping.abort(new Error('the worker is stopping'));
    for (const c of controllers.values()) c.abort(stopping.signal.reason);
    const bounded = new Promise((r) => setTimeout(r, DEFAULT_KILL_GRACE_MS + 500));
    void Promise.race([processesIdle(), bounded]).finally(() => process.exit(0));
  };

  const flush = (): void => {
    flushScheduled = false;
    if (results.length === 0) return;
    const batch = results;
    results = [];
    send({ type: 'results', results: batch });
  };
  // While more tasks of this worker's batch are still to run, results wait up to 2 ms to share a
  // message (a short bash task takes about as long as sending a message, so one message per task
  // would be most of the cost);
  // the last result of a batch goes at once.
  const push = (r: WireResult): void => {
    if (controllers.size > 0) controllers.delete(r.id);
    results.push(r);
    unfinished--;
    if (unfinished === 0) {
      flush();
      return;
    }
    if (flushScheduled) return;
    flushScheduled = true;
    setTimeout(flush, 2);
  };

  // A no-op task has no report: nothing ran (and the noop benchmark measures the wire).
  const settle = (task: WireTask, signal: AbortSignal, run: Promise<TaskOutcome>, report?: TaskRunReport): Promise<void> =>
    run.then(
      (outcome) => {
        if (report) report.endedAt = Date.now();
        push(report ? { id: task.id, ok: true, outcome, run: report } : { id: task.id, ok: true, outcome });
      },
      (err: unknown) => {
        if (signal.aborted && signal.reason === CANCELLED) {
          push(cancelledResult(task.id));
          return;
        }
        const error = err instanceof ProcessLostError ? new WorkerLostError(workerId, task.taskId, err.message) : err;
        if (report) report.endedAt = Date.now();
        push(report ? { id: task.id, ok: false, error: errorToJson(error), run: report } : { id: task.id, ok: false, error: errorToJson(error) });
      },
    );

  /** Start one task with its own controller (aborted already if the worker is stopping). */
  const start = (task: WireTask): Promise<void> => {
    if (task.spec.kind === 'noop') return settle(task, stopping.signal, runTask(task.spec));
    const c = new AbortController();
    if (stopping.signal.aborted) c.abort(stopping.signal.reason);
    controllers.set(task.id, c);
    // The run record's facts (docs/run-record.md); the executor adds the pool and block from the worker id.
    const report: TaskRunReport = { worker: workerId, startedAt: Date.now() };
    return settle(task, c.signal, runTask(task.spec, c.signal, { queued: task.spec.kind === 'bash', report }), report);
  };

  // Tasks run one at a time, in order. Consecutive bash tasks are handed over at once, queued:
  // they run back to back, with no round trip to this process between two of them.
  const pump = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    while (head < queue.length) {
      const task = queue[head++] as WireTask;
      if (task.spec.kind !== 'bash') {
        await start(task);
        continue;
      }
      const runs = [start(task)];
      while (head < queue.length && (queue[head] as WireTask).spec.kind === 'bash') runs.push(start(queue[head++] as WireTask));
      await Promise.all(runs);
    }
    queue.length = 0;
    head = 0;
    busy = false;
  };

  /**
   * A task not started yet is taken out of the queue and answered now; a running one is aborted
   * and answers once its process group is gone.
   */
  const cancel = (ids: number[]): void => {
    let notStarted: Set<number> | undefined;
    for (const id of ids) {
      const c = controllers.get(id);
      if (c) {
        if (!c.signal.aborted) c.abort(CANCELLED);
      } else {
        (notStarted ??= new Set()).add(id);
      }
    }
    if (!notStarted || head >= queue.length) return;
    // Ids neither running nor queued were answered already: nothing to do for them.
    let w = head;
    for (let r = head; r < queue.length; r++) {
      const t = queue[r] as WireTask;
      if (notStarted.has(t.id)) push(cancelledResult(t.id));
      else queue[w++] = t;
    }
    queue.length = w;
  };

  process.on('message', (m: ToWorker) => {
    if (m.type === 'tasks') {
      for (const t of m.tasks) queue.push(t);
      unfinished += m.tasks.length;
      void pump();
    } else if (m.type === 'cancel') {
      cancel(m.ids);
    } else if (m.type === 'shutdown') {
      stop();
    }
  });
  // The pool died (kill -9 included): do not outlive it, and take the running command down too.
  process.on('disconnect', stop);
  process.on('SIGTERM', stop);
  send({ type: 'ready' });
}
