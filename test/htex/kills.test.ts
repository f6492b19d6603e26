/**
 * Kill semantics on HTEX workers, checked in /proc: at walltime and at cancel the whole process
 * group gets SIGTERM, then SIGKILL after the grace period, and the task is answered only once the
 * group is gone; a worker or pool killed with SIGKILL takes its running task's group with it.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ErrorCode } from '../../src/util/index.js';
import { TaskWalltimeExceededError, WorkerLostError } from '../../src/executors/errors.js';
import type { TaskSpec } from '../../src/executors/executor.js';
import { DEFAULT_KILL_GRACE_MS } from '../../src/process/index.js';
import { alive, processTable, shellToolTask, startHtex, until, type RunningHtex } from './helpers.js';

/** Live (not zombie) members of process group `pgid`. */
function groupMembers(pgid: number): number[] {
  return alive(processTable().filter((p) => p.pgid === pgid).map((p) => p.pid));
}

function pidIn(file: string): number | undefined {
  return existsSync(file) ? Number(readFileSync(file, 'utf8')) || undefined : undefined;
}

function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** The worker running the task whose process is `pid`: its nearest ancestor running workerMain. */
function workerOf(pid: number): number {
  let p = parentOf(pid);
  while (p > 1 && !readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('workerMain')) p = parentOf(p);
  return p;
}

/** A CWL tool `sh -c 'echo $$ > pidFile; sleep 120'` (the shell stays: its sleep is a child). */
function sleepingTool(pidFile: string): TaskSpec {
  return shellToolTask(`echo $$ > ${pidFile}; sleep 120; true`, 'pcwl-kill-job-');
}

describe('kills on HTEX', () => {
  let htex: RunningHtex;
  before(async () => {
    htex = await startHtex({ strategy: false });
  });
  after(async () => {
    await htex.executor.shutdown();
  });

  test("walltime of a bash task ignoring SIGTERM (trap '' TERM; sleep 600): SIGKILL after the grace period, answered once its group is gone", async () => {
    const pidFile = join(htex.runDir, 'stubborn.pid');
    const started = Date.now();
    const task = htex.executor.submit({ taskId: 1, attempt: 0, spec: { kind: 'bash', command: `echo $BASHPID > ${pidFile}; trap '' TERM; sleep 600`, walltimeSec: 1 } });
    await assert.rejects(task, (err: unknown) => err instanceof TaskWalltimeExceededError && err.code === ErrorCode.TaskWalltimeExceeded);
    assert.ok(Date.now() - started >= 1000 + DEFAULT_KILL_GRACE_MS, 'answered before the grace period ran out');
    const pgid = pidIn(pidFile) ?? assert.fail('the task never started');
    assert.deepEqual(groupMembers(pgid), [], 'the task group outlived its answer');
  });

  test("cancel of a running bash task ignoring SIGTERM: its group is gone after the grace period", async () => {
    const pidFile = join(htex.runDir, 'cancelled.pid');
    const controller = new AbortController();
    const task = htex.executor.submit({ taskId: 2, attempt: 0, spec: { kind: 'bash', command: `trap '' TERM; echo $BASHPID > ${pidFile}; sleep 600` } }, controller.signal);
    const pgid = await until(() => pidIn(pidFile), 30_000, 'the task to start');
    controller.abort(new Error('not needed'));
    await assert.rejects(task, /not needed/);
    await until(() => groupMembers(pgid).length === 0, DEFAULT_KILL_GRACE_MS + 5000, `the group of ${pgid} to be gone`);
  });

  test('a worker killed with SIGKILL while a CWL tool runs: the task is lost and the tool (sh and its sleep) is gone', async () => {
    const pidFile = join(htex.runDir, 'tool.pid');
    const task = htex.executor.submit({ taskId: 3, attempt: 0, spec: sleepingTool(pidFile) });
    const tool = await until(() => pidIn(pidFile), 30_000, 'the tool to start');
    await until(() => groupMembers(tool).length === 2, 5000, 'sh and its sleep');
    process.kill(workerOf(tool), 'SIGKILL');
    await assert.rejects(task, (err: unknown) => err instanceof WorkerLostError);
    // The spawner sees its parent die and kills its groups; nothing re-parented to pid 1 runs on.
    await until(() => groupMembers(tool).length === 0, 5000, `the tool group ${tool} to be gone`);
  });

  test('a pool killed with SIGKILL while a bash task runs: its workers stop and the task group is gone', async () => {
    const pidFile = join(htex.runDir, 'pooltask.pid');
    const task = htex.executor.submit({ taskId: 4, attempt: 0, spec: { kind: 'bash', command: `echo $BASHPID > ${pidFile}; sleep 120; true` } });
    void task.catch(() => undefined); // ManagerLost after the heartbeat threshold
    const pgid = await until(() => pidIn(pidFile), 30_000, 'the task to start');
    const worker = workerOf(pgid);
    process.kill(parentOf(worker), 'SIGKILL');
    await until(() => groupMembers(pgid).length === 0, DEFAULT_KILL_GRACE_MS + 5000, `the task group ${pgid} to be gone`);
    await until(() => alive([worker]).length === 0, 5000, 'the worker to exit');
  });
});
