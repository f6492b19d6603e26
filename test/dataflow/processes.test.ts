import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataFlowKernel, LocalExecutor, bashApp, TaskWalltimeExceededError, KernelShutDownError, KernelStateError, ErrorCode, type TaskEvent } from '../../src/index.js';
import { isAlive, readPids, tempDir, until } from './fixtures.js';
import type { JobSpec } from '../../src/cwl/jobSpec.js';
import { cwlJobTask } from '../../src/cwl/jobTask.js';

test('walltime kills the task whole process group: the grandchild is gone when the task rejects', { timeout: 30_000 }, async () => {
  const dir = tempDir();
  const dfk = await DataFlowKernel.load({ runDir: join(dir, 'runinfo') });
  try {
    const pidFile = join(dir, 'pids');
    // bash → a subshell that forks `sleep` (a grandchild of the task's bash), recorded in pidFile.
    const app = bashApp(() => `( sleep 300 & echo $! >> '${pidFile}'; wait ) & echo $! >> '${pidFile}'; wait`, { name: 'hang' });
    // Long enough for both processes to start on a loaded machine; the kill is what is tested.
    const f = app({}, { walltimeSec: 2 });
    const err = await f.then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof TaskWalltimeExceededError, String(err));
    assert.equal(err.code, ErrorCode.TaskWalltimeExceeded);
    assert.equal(err.walltimeSec, 2);
    const pids = readPids(pidFile);
    assert.equal(pids.length, 2);
    for (const pid of pids) assert.equal(isAlive(pid), false, `process ${pid} survived the walltime kill`);
    assert.equal(f.state, 'failed');
  } finally {
    await dfk.shutdown();
  }
});

test('a command that ignores SIGTERM is SIGKILLed after the grace period', { timeout: 30_000 }, async () => {
  const dir = tempDir();
  const dfk = await DataFlowKernel.load({ runDir: join(dir, 'runinfo'), executors: [new LocalExecutor({ killGraceMs: 200 })] });
  try {
    const pidFile = join(dir, 'pid');
    const app = bashApp(() => `trap '' TERM; sh -c 'trap "" TERM; echo $$ > ${pidFile}; while :; do sleep 0.05; done'`);
    const started = Date.now();
    await assert.rejects(app({}, { walltimeSec: 1.5 }).result(), TaskWalltimeExceededError);
    assert.ok(Date.now() - started < 8000);
    assert.equal(isAlive(readPids(pidFile)[0] as number), false);
  } finally {
    await dfk.shutdown();
  }
});

/** Live (not zombie) members of process group `pgid`, from /proc. */
function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') members.push(Number(name));
    } catch {
      // gone while we looked
    }
  }
  return members;
}

test("walltime of a bash app ignoring SIGTERM (trap '' TERM; sleep 600): reported after the grace period, with nothing of its group left", { timeout: 30_000 }, async () => {
  const dir = tempDir();
  const dfk = await DataFlowKernel.load({ runDir: join(dir, 'runinfo'), executors: [new LocalExecutor({ killGraceMs: 300 })] });
  try {
    const pidFile = join(dir, 'pid');
    const app = bashApp(() => `echo $$ > ${pidFile}; trap '' TERM; sleep 600`);
    const started = Date.now();
    await assert.rejects(app({}, { walltimeSec: 1 }).result(), TaskWalltimeExceededError);
    assert.ok(Date.now() - started >= 1300, 'reported before the grace period ran out');
    assert.deepEqual(groupMembers(readPids(pidFile)[0] as number), [], 'the sleep outlived the report');
  } finally {
    await dfk.shutdown();
  }
});

test('a bash app that leaves a process running in the background: it is gone when the task completes', { timeout: 30_000 }, async () => {
  const dir = tempDir();
  const dfk = await DataFlowKernel.load({ runDir: join(dir, 'runinfo') });
  try {
    const pidFile = join(dir, 'bg');
    const app = bashApp(() => `(sleep 300 & echo $! > ${pidFile})`);
    assert.equal((await app({}).result()).exitCode, 0);
    assert.equal(isAlive(readPids(pidFile)[0] as number), false, 'the background sleep outlived its task');
  } finally {
    await dfk.shutdown();
  }
});

test("the local executor's killGraceMs reaches CWL jobs: a cancelled tool ignoring SIGTERM gets that long", { timeout: 30_000 }, async () => {
  const dir = tempDir();
  const executor = new LocalExecutor({ killGraceMs: 3000 });
  await executor.start({ runDir: dir, log: () => undefined });
  try {
    const pidFile = join(dir, 'tool.pid');
    const tool = {
      id: 'file:///t/stubborn.cwl',
      class: 'CommandLineTool',
      cwlVersion: 'v1.2',
      originalCwlVersion: 'v1.2',
      baseUri: 'file:///t/',
      baseCommand: ['/bin/sh', '-c', `trap '' TERM; echo $$ > ${pidFile}; sleep 600; true`],
      inputs: [],
      outputs: [],
    };
    const controller = new AbortController();
    const job = { tool, inputs: {}, requirements: [], hints: [], paths: { jobDir: join(dir, 'job') }, name: 'stubborn.cwl' };
    const run = executor.submit({ taskId: 1, attempt: 0, spec: cwlJobTask(job as unknown as JobSpec) }, controller.signal);
    await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'), 20_000, 'the tool to start');
    const pgid = readPids(pidFile)[0] as number;
    const t0 = Date.now();
    controller.abort(new Error('cancelled'));
    await assert.rejects(run, /cancelled/);
    // The default grace is 2000 ms: 3000 ms means the executor's setting reached the job.
    assert.ok(Date.now() - t0 >= 3000, `settled after ${Date.now() - t0} ms, before the executor's grace period`);
    assert.deepEqual(groupMembers(pgid), [], 'the tool outlived the report');
  } finally {
    await executor.shutdown();
  }
});

test('the local executor runs at most maxWorkers tasks at once (observed with real processes)', { timeout: 30_000 }, async () => {
  const dir = tempDir();
  const dfk = await DataFlowKernel.load({ runDir: join(dir, 'runinfo'), maxWorkers: 2 });
  try {
    const log = join(dir, 'log');
    // Each task appends "+" when it starts and "-" when it ends; O_APPEND keeps lines whole.
    const app = bashApp((a: { i: number }) => `echo "+ ${a.i}" >> '${log}'; sleep 0.5; echo "- ${a.i}" >> '${log}'`);
    const running: TaskEvent[] = [];
    dfk.events.on('running', (e) => running.push(e));
    await Promise.all(Array.from({ length: 6 }, (_, i) => app({ i }).result()));
    let now = 0;
    let peak = 0;
    for (const line of readFileSync(log, 'utf8').split('\n').filter(Boolean)) {
      now += line.startsWith('+') ? 1 : -1;
      peak = Math.max(peak, now);
    }
    assert.equal(peak, 2, 'two tasks overlapped, never three');
    assert.equal(running.length, 6);
  } finally {
    await dfk.shutdown();
  }
});

test('the default local executor allows as many tasks at once as there are cores', { timeout: 30_000 }, async () => {
  const dir = tempDir();
  const dfk = await DataFlowKernel.load({ runDir: join(dir, 'runinfo') });
  const { availableParallelism } = await import('node:os');
  assert.equal((dfk.executor('local') as LocalExecutor).maxWorkers, availableParallelism());
  await dfk.shutdown();
});

test('shutdown in cancel mode kills running tasks, fails queued and waiting ones, and leaves no process behind', { timeout: 30_000 }, async () => {
  const dir = tempDir();
  const dfk = await DataFlowKernel.load({ runDir: join(dir, 'runinfo'), maxWorkers: 2 });
  const pidFile = join(dir, 'pids');
  const hang = bashApp((a: { i: number }) => `sleep 300 & echo $! >> '${pidFile}'; echo $$ >> '${pidFile}'; wait # ${a.i}`, { name: 'hang' });
  const after = bashApp((a: { x: unknown }) => `echo ${String(a.x)}`, { name: 'after' });
  const futures = [0, 1, 2, 3].map((i) => hang({ i }));
  const dependant = after({ x: futures[0] });
  await until(() => existsSync(pidFile) && readPids(pidFile).length === 4, 10_000, 'two running tasks to record their pids');
  const pids = readPids(pidFile);
  const outcomes = Promise.allSettled([...futures, dependant].map((f) => f.result()));
  await dfk.shutdown({ mode: 'cancel' });
  for (const pid of pids) assert.equal(isAlive(pid), false, `process ${pid} is still alive after shutdown`);
  const settled = await outcomes;
  assert.ok(settled.every((s) => s.status === 'rejected'));
  assert.ok(futures.every((f) => f.state === 'failed'));
  assert.equal(dependant.state, 'failed', 'a task still waiting on dependencies is cancelled, not run');
  await assert.rejects(dependant.result(), KernelShutDownError);
  await assert.rejects(futures[3]!.result(), KernelShutDownError, 'a queued task never started');
  assert.equal(dfk.state, 'STOPPED');
  assert.throws(() => hang({ i: 9 }), KernelStateError, 'no current kernel after shutdown');
});

test('shutdown in wait mode lets tasks in flight finish; calling it twice returns the same promise', { timeout: 30_000 }, async () => {
  const dir = tempDir();
  const dfk = await DataFlowKernel.load({ runDir: join(dir, 'runinfo'), maxWorkers: 2 });
  const app = bashApp((a: { i: number }) => `sleep 0.1; echo ${a.i}`);
  const futures = [1, 2, 3].map((i) => app({ i }));
  const s1 = dfk.shutdown();
  const s2 = dfk.shutdown();
  assert.equal(s1, s2);
  await s1;
  assert.deepEqual(
    futures.map((f) => f.state),
    ['exec_done', 'exec_done', 'exec_done'],
  );
  const late = dfk.submit({ name: 'late', identity: 'late', cache: false, prepare: () => ({ kind: 'noop' }), complete: () => 1 }, undefined);
  await assert.rejects(late.result(), (e: unknown) => e instanceof KernelShutDownError && e.code === ErrorCode.KernelShutDown);
});

test('a task cancelled through its own AbortSignal is killed without stopping the kernel', { timeout: 30_000 }, async () => {
  const dir = tempDir();
  const dfk = await DataFlowKernel.load({ runDir: join(dir, 'runinfo') });
  try {
    const pidFile = join(dir, 'pid');
    const controller = new AbortController();
    const def = {
      name: 'sleepy',
      identity: 'sleepy',
      cache: false,
      prepare: () => ({ kind: 'bash' as const, command: `echo $$ > '${pidFile}'; exec sleep 300` }),
      complete: () => 1,
    };
    const f = dfk.submit(def, undefined, { signal: controller.signal });
    await until(() => existsSync(pidFile) && readPids(pidFile).length === 1, 10_000, 'the task to start');
    controller.abort(new Error('not needed any more'));
    await assert.rejects(f.result(), /not needed any more/);
    assert.equal(isAlive(readPids(pidFile)[0] as number), false);
    const ok = bashApp(() => 'true');
    assert.equal((await ok({})).exitCode, 0, 'the kernel still runs tasks');
  } finally {
    await dfk.shutdown();
  }
});

test('events: submitted, launched, running, done and failed, with states', { timeout: 30_000 }, async () => {
  const dir = tempDir();
  const dfk = await DataFlowKernel.load({ runDir: join(dir, 'runinfo') });
  try {
    const seen: string[] = [];
    for (const name of ['submitted', 'launched', 'running', 'done', 'failed'] as const) dfk.events.on(name, (e) => seen.push(`${name}:${e.taskId}:${e.state}`));
    const ok = bashApp(() => 'true');
    const bad = bashApp(() => 'false');
    const a = ok({});
    await a;
    const b = bad({});
    await b.then(
      () => undefined,
      () => undefined,
    );
    assert.deepEqual(seen, [
      `submitted:${a.taskId}:pending`,
      `launched:${a.taskId}:launched`,
      `running:${a.taskId}:running`,
      `done:${a.taskId}:exec_done`,
      `submitted:${b.taskId}:pending`,
      `launched:${b.taskId}:launched`,
      `running:${b.taskId}:running`,
      `failed:${b.taskId}:failed`,
    ]);
    const unsubscribe = dfk.events.on('done', () => seen.push('late'));
    unsubscribe();
    await ok({});
    assert.equal(seen.includes('late'), false);
  } finally {
    await dfk.shutdown();
  }
});

test('the run directory holds a log naming failures', { timeout: 30_000 }, async () => {
  const dir = tempDir();
  const dfk = await DataFlowKernel.load({ runDir: join(dir, 'runinfo') });
  assert.match(dfk.runDir, /runinfo\/000$/);
  const bad = bashApp(() => 'exit 5', { name: 'five' });
  await bad({}).then(
    () => undefined,
    () => undefined,
  );
  await dfk.shutdown();
  const log = readFileSync(join(dfk.runDir, 'parsl.log'), 'utf8');
  assert.match(log, /task 0 \(five\) failed: \[PCWL_BASH_EXIT_FAILURE\]/);
  assert.match(log, /kernel stopped: 1 submitted/);
  const second = await DataFlowKernel.load({ runDir: join(dir, 'runinfo') });
  assert.match(second.runDir, /runinfo\/001$/);
  await second.shutdown();
});

test('a program interrupted with SIGINT while a task runs leaves no task process behind', { timeout: 30_000 }, async () => {
  const dir = tempDir();
  const pidFile = join(dir, 'pid');
  const script = join(dir, 'program.mjs');
  const index = new URL('../../src/index.js', import.meta.url).href;
  writeFileSync(
    script,
    `import { DataFlowKernel, bashApp } from ${JSON.stringify(index)};
await DataFlowKernel.load({ runDir: ${JSON.stringify(join(dir, 'runinfo'))} });
await bashApp(() => "sleep 300 & echo $! > ${pidFile}; wait")({});
`,
  );
  const child = spawn(process.execPath, [script], { stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((done) => child.once('exit', (_code, sig) => done(sig)));
  await until(() => existsSync(pidFile) && readPids(pidFile).length === 1, 10_000, 'the task to start');
  const sleeper = readPids(pidFile)[0] as number;
  child.kill('SIGINT');
  assert.equal(await exited, 'SIGINT', 'the program still dies of SIGINT, as it would without the kernel');
  await until(() => !isAlive(sleeper), 5_000, `task process ${sleeper} to be gone`);
});
