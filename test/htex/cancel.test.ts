/**
 * Cancelling a task on the HighThroughputExecutor stops it where it is: a task running on a worker
 * gets SIGTERM (and its grace period) then SIGKILL, a task still queued in the interchange, the
 * executor or a worker never runs, and the executor's, interchange's and pool's books are left clean.
 * Real interchange, pool and worker processes, real CurveZMQ sockets.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TaskSpec } from '../../src/executors/executor.js';
import { CANCEL_WAIT_MS } from '../../src/executors/htex/executor.js';
import { shellToolTask, startHtex, until, type RunningHtex } from './helpers.js';

/** Running, sleeping...: anything but gone or a zombie (what `alive` in helpers.ts checks, for one pid). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function pidIn(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return pid > 0 ? pid : undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What the interchange's status reports as held by pools: 0 once every answer came back. */
function tasksOnPools(htex: RunningHtex): number {
  return htex.executor.managers().reduce((sum, m) => sum + m.tasks, 0);
}

/** What the pools logged (their stderr: the LocalProvider keeps it beside the block's script). */
function poolLogs(runDir: string): string {
  const dir = join(runDir, 'submit_scripts');
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.stderr')).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n') : '';
}

describe('cancelling a task on HTEX (one worker, no prefetch)', () => {
  let htex: RunningHtex;
  before(async () => {
    htex = await startHtex({ workersPerPool: 1, prefetchCapacity: 0, strategy: false });
  });
  after(async () => {
    await htex.executor.shutdown();
  });

  test('a running bash task: the promise rejects at once with the abort reason, the process is gone within seconds', async () => {
    const pidFile = join(htex.runDir, 'long.pid');
    const controller = new AbortController();
    const task = htex.executor.submit({ taskId: 1, attempt: 0, spec: { kind: 'bash', command: `echo $BASHPID > ${pidFile}; exec sleep 60` } }, controller.signal);
    const pid = await until(() => pidIn(pidFile), 30_000, 'the task to start');
    assert.ok(running(pid), 'the task runs');
    const reason = new Error('the user interrupted the run');
    const t0 = Date.now();
    controller.abort(reason);
    await assert.rejects(task, (err: unknown) => err === reason);
    assert.ok(Date.now() - t0 < 500, `rejected after ${Date.now() - t0} ms`);
    await until(() => !running(pid), 5000, `process ${pid} to be gone`);
    assert.equal(htex.executor.outstanding(), 0);
    // The pool answered for it: the interchange no longer counts it against the pool.
    await until(() => tasksOnPools(htex) === 0, 5000, 'the pool to hold no task');
    const next = await htex.executor.submit({ taskId: 2, attempt: 0, spec: { kind: 'bash', command: 'exit 4' } });
    assert.equal((next as { exitCode: number }).exitCode, 4);
  });

  test('a task that traps SIGTERM gets SIGTERM and its grace period, not an immediate SIGKILL', async () => {
    const pidFile = join(htex.runDir, 'trap.pid');
    const marker = join(htex.runDir, 'trap.marker');
    const controller = new AbortController();
    const command = `trap 'sleep 0.3; echo terminated > ${marker}; exit 0' TERM; echo $BASHPID > ${pidFile}; sleep 60 & wait`;
    const task = htex.executor.submit({ taskId: 3, attempt: 0, spec: { kind: 'bash', command } }, controller.signal);
    const pid = await until(() => pidIn(pidFile), 30_000, 'the task to start');
    controller.abort(new Error('stop'));
    await assert.rejects(task, /stop/);
    assert.ok(!existsSync(marker), 'the trap has not run yet when the promise rejects');
    await until(() => existsSync(marker), 5000, 'the SIGTERM trap to write its marker');
    assert.equal(readFileSync(marker, 'utf8'), 'terminated\n');
    await until(() => !running(pid), 5000, `process ${pid} to be gone`);
    await until(() => tasksOnPools(htex) === 0, 5000, 'the pool to hold no task');
  });

  test('a task queued in the interchange behind a busy worker never runs; the executor keeps working', async () => {
    const started = join(htex.runDir, 'first.started');
    const marker = join(htex.runDir, 'queued.marker');
    const first = htex.executor.submit({ taskId: 4, attempt: 0, spec: { kind: 'bash', command: `touch ${started}; sleep 1.5` } });
    await until(() => existsSync(started), 30_000, 'the first task to start');
    const controller = new AbortController();
    const queued = htex.executor.submit({ taskId: 5, attempt: 0, spec: { kind: 'bash', command: `touch ${marker}` } }, controller.signal);
    await sleep(300); // long enough for the task to reach the interchange's queue
    controller.abort(new Error('not needed any more'));
    await assert.rejects(queued, /not needed/);
    assert.equal(((await first) as { exitCode: number }).exitCode, 0);
    const later = await htex.executor.submit({ taskId: 6, attempt: 0, spec: { kind: 'bash', command: 'exit 0' } });
    assert.equal((later as { exitCode: number }).exitCode, 0);
    await sleep(300);
    assert.ok(!existsSync(marker), 'the cancelled task never ran');
    assert.match(readFileSync(join(htex.runDir, 'interchange.log'), 'utf8'), /cancel: 1 task\(s\) dropped from the queue/);
    assert.equal(htex.executor.outstanding(), 0);
    await until(() => tasksOnPools(htex) === 0, 5000, 'the pool to hold no task');
  });

  test('a task aborted before it left the executor is never sent', async () => {
    const marker = join(htex.runDir, 'unsent.marker');
    const controller = new AbortController();
    const task = htex.executor.submit({ taskId: 7, attempt: 0, spec: { kind: 'bash', command: `touch ${marker}` } }, controller.signal);
    controller.abort(new Error('changed my mind'));
    await assert.rejects(task, /changed my mind/);
    const later = await htex.executor.submit({ taskId: 8, attempt: 0, spec: { kind: 'bash', command: 'exit 0' } });
    assert.equal((later as { exitCode: number }).exitCode, 0);
    assert.ok(!existsSync(marker), 'the aborted task never ran');
  });

  test('one signal shared by many tasks, running and queued: all reject, none is left running or queued', async () => {
    const dir = join(htex.runDir, 'many');
    const controller = new AbortController();
    const tasks = Array.from({ length: 5 }, (_, i) =>
      htex.executor.submit({ taskId: 10 + i, attempt: 0, spec: { kind: 'bash', command: `mkdir -p ${dir}; echo $BASHPID > ${dir}/${i}.pid; exec sleep 60` } }, controller.signal),
    );
    const pid = await until(() => pidIn(join(dir, '0.pid')), 30_000, 'the first task to start');
    await sleep(200);
    controller.abort(new Error('all of them'));
    const settled = await Promise.allSettled(tasks);
    assert.ok(settled.every((s) => s.status === 'rejected'));
    await until(() => !running(pid), 5000, `process ${pid} to be gone`);
    const later = await htex.executor.submit({ taskId: 20, attempt: 0, spec: { kind: 'bash', command: 'exit 0' } });
    assert.equal((later as { exitCode: number }).exitCode, 0);
    assert.deepEqual(readdirSync(dir), ['0.pid'], 'only the first task ever started');
    await until(() => tasksOnPools(htex) === 0, 5000, 'the pool to hold no task');
  });
});

/** A CWL tool that records its pid and sleeps (the tool process is /bin/sh, then sleep in its place). */
function sleepingJob(pidFile: string): TaskSpec {
  return shellToolTask(`echo $$ > ${pidFile}; exec sleep 60`, 'pcwl-cancel-job-');
}

describe('cancelling a task on HTEX (one worker, prefetch 1)', () => {
  let htex: RunningHtex;
  before(async () => {
    htex = await startHtex({ workersPerPool: 1, prefetchCapacity: 1, strategy: false });
  });
  after(async () => {
    await htex.executor.shutdown();
  });

  test('a task prefetched to the busy worker is dropped there and never runs', async () => {
    const started = join(htex.runDir, 'first.started');
    const marker = join(htex.runDir, 'prefetched.marker');
    const first = htex.executor.submit({ taskId: 1, attempt: 0, spec: { kind: 'bash', command: `touch ${started}; sleep 1.5` } });
    await until(() => existsSync(started), 30_000, 'the first task to start');
    const controller = new AbortController();
    const queued = htex.executor.submit({ taskId: 2, attempt: 0, spec: { kind: 'bash', command: `touch ${marker}` } }, controller.signal);
    // With room for workers + prefetch = 2 tasks, the interchange sends it on to the pool at once.
    await until(() => tasksOnPools(htex) === 2, 5000, 'the second task to reach the pool');
    controller.abort(new Error('not needed'));
    await assert.rejects(queued, /not needed/);
    // Answered by the worker at once, while the first task still runs.
    await until(() => tasksOnPools(htex) === 1, 1000, 'the pool to answer for the cancelled task');
    assert.equal(((await first) as { exitCode: number }).exitCode, 0);
    const later = await htex.executor.submit({ taskId: 3, attempt: 0, spec: { kind: 'bash', command: 'exit 0' } });
    assert.equal((later as { exitCode: number }).exitCode, 0);
    await sleep(300);
    assert.ok(!existsSync(marker), 'the cancelled task never ran');
    assert.match(poolLogs(htex.runDir), /cancel: 0 queued task\(s\) dropped, 1 passed on to workers/);
    await until(() => tasksOnPools(htex) === 0, 5000, 'the pool to hold no task');
  });

  test('a running CWL job: the promise rejects at once and the tool process is gone within seconds', async () => {
    const pidFile = join(htex.runDir, 'tool.pid');
    const controller = new AbortController();
    const task = htex.executor.submit({ taskId: 4, attempt: 0, spec: sleepingJob(pidFile) }, controller.signal);
    const pid = await until(() => pidIn(pidFile), 30_000, 'the tool to start');
    const reason = new Error('interrupted');
    controller.abort(reason);
    await assert.rejects(task, (err: unknown) => err === reason);
    await until(() => !running(pid), 5000, `tool process ${pid} to be gone`);
    await until(() => tasksOnPools(htex) === 0, 5000, 'the pool to hold no task');
    const later = await htex.executor.submit({ taskId: 5, attempt: 0, spec: { kind: 'noop' } });
    assert.equal(later.kind, 'noop');
  });
});

describe('shutting HTEX down while tasks run: the tasks end on their pools before the blocks are cancelled', () => {
  test('a task whose SIGTERM handler cleans up finishes that clean-up, though the block cancel would kill it at once', async () => {
    // A block cancel kills the pool's group 100 ms after SIGTERM, and the worker's processes with it:
    // only a shutdown that waits for the task's answer first lets the handler write its marker.
    const htex = await startHtex({ workersPerPool: 1, strategy: false }, { cancelGraceMs: 100 });
    const pidFile = join(htex.runDir, 'cleanup.pid');
    const marker = join(htex.runDir, 'cleanup.marker');
    const command = `trap 'sleep 0.5; echo cleaned > ${marker}; exit 0' TERM; echo $BASHPID > ${pidFile}; sleep 60 & wait`;
    const task = htex.executor.submit({ taskId: 1, attempt: 0, spec: { kind: 'bash', command } });
    const pid = await until(() => pidIn(pidFile), 30_000, 'the task to start');
    const rejected = assert.rejects(task, /shut down before the task finished/);
    await htex.executor.shutdown();
    await rejected;
    assert.equal(readFileSync(marker, 'utf8'), 'cleaned\n', 'the clean-up ran to its end');
    assert.ok(!running(pid), 'the task is gone');
    assert.ok(htex.logs.some((l) => /waiting up to \d+ ms for 1 cancelled task\(s\) to end on their pools/.test(l)), htex.logs.join('\n'));
    assert.ok(htex.logs.some((l) => /the cancelled tasks ended on their pools after \d+ ms/.test(l)), htex.logs.join('\n'));
  });

  test('a task the caller aborted just before the shutdown (the kernel\'s cancel mode) is waited for the same way', async () => {
    const htex = await startHtex({ workersPerPool: 1, strategy: false }, { cancelGraceMs: 100 });
    const pidFile = join(htex.runDir, 'aborted.pid');
    const marker = join(htex.runDir, 'aborted.marker');
    const command = `trap 'sleep 0.5; echo cleaned > ${marker}; exit 0' TERM; echo $BASHPID > ${pidFile}; sleep 60 & wait`;
    const controller = new AbortController();
    const task = htex.executor.submit({ taskId: 1, attempt: 0, spec: { kind: 'bash', command } }, controller.signal);
    await until(() => pidIn(pidFile), 30_000, 'the task to start');
    controller.abort(new Error('cancelled by kernel shutdown'));
    await assert.rejects(task, /cancelled by kernel shutdown/);
    await htex.executor.shutdown();
    assert.equal(readFileSync(marker, 'utf8'), 'cleaned\n', 'the clean-up ran to its end');
  });

  test('a pool that never answers: the wait is bounded, the blocks are cancelled anyway', async () => {
    // A long heartbeat threshold: the stopped pool is not declared lost during the wait.
    const htex = await startHtex({ workersPerPool: 1, strategy: false, heartbeatThresholdSec: 120 }, { cancelGraceMs: 100 });
    const pidFile = join(htex.runDir, 'stuck.pid');
    const task = htex.executor.submit({ taskId: 1, attempt: 0, spec: { kind: 'bash', command: `echo $BASHPID > ${pidFile}; exec sleep 120` } });
    const pid = await until(() => pidIn(pidFile), 30_000, 'the task to start');
    const [block] = htex.executor.scaling.blocks();
    assert.ok(block, 'one block');
    process.kill(-Number(block.jobId), 'SIGSTOP'); // the pool and its workers hear nothing now
    const rejected = assert.rejects(task, /shut down before the task finished/);
    try {
      const t0 = Date.now();
      await htex.executor.shutdown();
      const took = Date.now() - t0;
      await rejected;
      assert.ok(took >= CANCEL_WAIT_MS - 100, `shutdown took ${took} ms`);
      assert.ok(took < CANCEL_WAIT_MS + 20_000, `shutdown took ${took} ms`);
      assert.ok(htex.logs.some((l) => /still on their pools after \d+ ms; cancelling the blocks anyway/.test(l)), htex.logs.join('\n'));
    } finally {
      try {
        process.kill(-Number(block.jobId), 'SIGKILL');
      } catch {
        // cancelled already
      }
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // its worker took it along
      }
    }
  });
});
