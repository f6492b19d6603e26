/**
 * An HTEX worker process: forked by its pool, one per core. Receives task batches over Node IPC,
 * runs them one at a time with THE task runner (../taskRunner.ts, so local and HTEX cannot drift
 * apart), bash commands through a long-lived shell (../shellSpawner.ts), and sends results back in
 * batches: every result finished in the same event-loop turn goes in one message.
 */
import { errorToJson } from '../../errors.js';
import { WorkerLostError } from '../errors.js';
import { ShellExitedError, ShellSpawner } from '../shellSpawner.js';
import { runTask } from '../taskRunner.js';
import type { TaskOutcome } from '../executor.js';
import type { FromWorker, ToWorker, WireResult, WireTask } from './protocol.js';

export function runWorker(workerId: string): void {
  const send = (m: FromWorker): void => {
    if (process.connected) process.send?.(m);
  };
  const shell = new ShellSpawner();
  const queue: WireTask[] = [];
  let head = 0;
  /** Tasks received and not answered yet. */
  let unfinished = 0;
  let busy = false;
  let results: WireResult[] = [];
  let flushScheduled = false;
  // Stopping aborts the running task: runTask kills a CWL tool's process group (SIGTERM, then
  // SIGKILL after its grace) before it settles, so the worker leaves nothing running behind it.
  const stopping = new AbortController();
  let running: Promise<unknown> = Promise.resolve();
  const stop = (): void => {
    if (stopping.signal.aborted) return;
    stopping.abort(new Error('the worker is stopping'));
    shell.close();
    const bounded = new Promise((r) => setTimeout(r, 2500));
    void Promise.race([running, bounded]).finally(() => process.exit(0));
  };

  const flush = (): void => {
    flushScheduled = false;
    if (results.length === 0) return;
    const batch = results;
    results = [];
    send({ type: 'results', results: batch });
  };
  // While more tasks of this worker's batch are still to run, results wait up to 2 ms to share a
  // message (a bash task takes ~1 ms here, so one message per task would be most of the cost);
  // the last result of a batch goes at once.
  const push = (r: WireResult): void => {
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

  const settle = (task: WireTask, run: Promise<TaskOutcome>): Promise<void> =>
    run.then(
      (outcome) => push({ id: task.id, ok: true, outcome }),
      (err: unknown) => {
        const error = err instanceof ShellExitedError ? new WorkerLostError(workerId, task.taskId, err.message) : err;
        push({ id: task.id, ok: false, error: errorToJson(error) });
      },
    );

  // Tasks run one at a time, in order. Consecutive bash tasks are all handed to the shell at once:
  // it runs them back to back, so no Node round trip sits between two commands.
  const pump = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    while (head < queue.length) {
      const task = queue[head++] as WireTask;
      if (task.spec.kind === 'bash') {
        const runs = [settle(task, runTask(task.spec, stopping.signal, { shell }))];
        while (head < queue.length && (queue[head] as WireTask).spec.kind === 'bash') {
          const next = queue[head++] as WireTask;
          runs.push(settle(next, runTask(next.spec, stopping.signal, { shell })));
        }
        await Promise.all(runs);
      } else {
        running = settle(task, runTask(task.spec, stopping.signal, { shell }));
        await running;
      }
    }
    queue.length = 0;
    head = 0;
    busy = false;
  };

  process.on('message', (m: ToWorker) => {
    if (m.type === 'tasks') {
      for (const t of m.tasks) queue.push(t);
      unfinished += m.tasks.length;
      void pump();
    } else if (m.type === 'shutdown') {
      stop();
    }
  });
  // The pool died (kill -9 included): do not outlive it, and take the running command down too.
  process.on('disconnect', stop);
  process.on('SIGTERM', stop);
  send({ type: 'ready' });
}
