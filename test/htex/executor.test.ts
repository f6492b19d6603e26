/** The HighThroughputExecutor end to end: real interchange, pool and worker processes, real sockets. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ErrorCode, ParslCwlError } from '../../src/util/errors.js';
import { ExecutorStateError, TaskWalltimeExceededError } from '../../src/executors/errors.js';
import type { TaskOutcome } from '../../src/executors/executor.js';
import { startHtex, until, type RunningHtex } from './helpers.js';

describe('HighThroughputExecutor on a LocalProvider', () => {
  let htex: RunningHtex;
  before(async () => {
    htex = await startHtex({ prefetchCapacity: 8 });
  });
  after(async () => {
    await htex.executor.shutdown();
  });

  test('runs a bash task on a worker: exit code, env, cwd and stdout file', async () => {
    const out = join(htex.runDir, 'hello.out');
    const outcome = await htex.executor.submit({
      taskId: 1,
      attempt: 0,
      spec: { kind: 'bash', command: 'echo "$GREETING from $(pwd)"; exit 3', env: { GREETING: 'hi' }, cwd: htex.runDir, stdout: 'hello.out' },
    });
    assert.deepEqual(outcome, { kind: 'bash', exitCode: 3, signal: null, stdout: 'hello.out' });
    assert.equal(readFileSync(out, 'utf8'), `hi from ${htex.runDir}\n`);
  });

  test('stderr goes to its own file, or to stdout when both name the same file', async () => {
    await htex.executor.submit({ taskId: 2, attempt: 0, spec: { kind: 'bash', command: 'echo out; echo err >&2', cwd: htex.runDir, stdout: 'a.out', stderr: 'a.err' } });
    assert.equal(readFileSync(join(htex.runDir, 'a.out'), 'utf8'), 'out\n');
    assert.equal(readFileSync(join(htex.runDir, 'a.err'), 'utf8'), 'err\n');
    await htex.executor.submit({ taskId: 3, attempt: 0, spec: { kind: 'bash', command: 'echo out; echo err >&2', cwd: htex.runDir, stdout: 'b.log', stderr: 'b.log' } });
    assert.equal(readFileSync(join(htex.runDir, 'b.log'), 'utf8'), 'out\nerr\n');
  });

  test('a command with quotes, newlines and a missing output folder runs as bash would run it', async () => {
    const outcome = await htex.executor.submit({
      taskId: 4,
      attempt: 0,
      spec: { kind: 'bash', command: `x='a b'\nprintf '%s|' "$x" "it's"`, cwd: htex.runDir, stdout: 'deep/er/c.out' },
    });
    assert.equal((outcome as { exitCode: number }).exitCode, 0);
    assert.equal(readFileSync(join(htex.runDir, 'deep/er/c.out'), 'utf8'), `a b|it's|`);
  });

  test('a walltime kills the whole process group and rejects with TaskWalltimeExceeded', async () => {
    const started = Date.now();
    await assert.rejects(
      htex.executor.submit({ taskId: 5, attempt: 0, spec: { kind: 'bash', command: 'sleep 30 & sleep 30; wait', walltimeSec: 0.5 } }),
      (err: unknown) => err instanceof TaskWalltimeExceededError && err.code === ErrorCode.TaskWalltimeExceeded,
    );
    assert.ok(Date.now() - started < 5000);
  });

  test('many noop and bash tasks all complete, results matched to their submissions', async () => {
    const tasks: Promise<TaskOutcome>[] = [];
    for (let i = 0; i < 2000; i++) tasks.push(htex.executor.submit({ taskId: 100 + i, attempt: 0, spec: { kind: 'noop' } }));
    for (let i = 0; i < 200; i++) tasks.push(htex.executor.submit({ taskId: 5000 + i, attempt: 0, spec: { kind: 'bash', command: `exit ${i % 7}` } }));
    const outcomes = await Promise.all(tasks);
    assert.equal(outcomes.filter((o) => o.kind === 'noop').length, 2000);
    outcomes.slice(2000).forEach((o, i) => assert.equal((o as { exitCode: number }).exitCode, i % 7));
    assert.equal(htex.executor.outstanding(), 0);
  });

  test('the scaling hooks see the block, its pool and its idleness', async () => {
    const block = await until(() => htex.executor.scaling.blocks().find((b) => b.managers === 1 && b.idleSinceMs !== undefined), 30_000, 'an idle block');
    assert.equal(block.blockId, '0');
    assert.equal(block.activeTasks, 0);
    assert.deepEqual(htex.executor.scaling.connectedBlocks(), ['0']);
    assert.equal(htex.executor.scaling.workersPerBlock, 2);
    const reply = await htex.executor.command({ command: 'managers' });
    assert.equal(reply.command, 'managers');
    assert.equal(reply.command === 'managers' && reply.managers[0]?.workers, 2);
  });
});

describe('HighThroughputExecutor lifecycle', () => {
  test('scale out adds a pool, scale in cancels an idle block', async () => {
    const htex = await startHtex({}, { maxBlocks: 2 });
    try {
      const added = await htex.executor.scaling.scaleOut(1);
      assert.deepEqual(added, ['1']);
      await until(() => htex.executor.managers().length === 2, 30_000, 'two pools');
      await until(() => htex.executor.scaling.blocks().every((b) => b.idleSinceMs !== undefined), 30_000, 'idle blocks');
      const removed = await htex.executor.scaling.scaleIn(1);
      assert.equal(removed.length, 1);
      assert.equal(htex.executor.scaling.connectedBlocks().length, 1);
      const outcome = await htex.executor.submit({ taskId: 1, attempt: 0, spec: { kind: 'bash', command: 'true' } });
      assert.equal((outcome as { exitCode: number }).exitCode, 0);
    } finally {
      await htex.executor.shutdown();
    }
  });

  test('a pool with a drain period stops taking tasks and leaves without failing anything', async () => {
    const htex = await startHtex({ drainPeriodSec: 1 });
    try {
      const outcome = await htex.executor.submit({ taskId: 1, attempt: 0, spec: { kind: 'bash', command: 'sleep 1.5' } });
      assert.equal((outcome as { exitCode: number }).exitCode, 0);
      await until(() => htex.logs.some((l) => l.includes('pool') && l.includes('registered')) && htex.executor.managers().length === 0, 30_000, 'the drained pool to leave');
      assert.ok(!htex.logs.some((l) => l.includes('lost')), htex.logs.join('\n'));
    } finally {
      await htex.executor.shutdown();
    }
  });

  test('shutdown is safe twice, and submit after shutdown names the state', async () => {
    const htex = await startHtex();
    const first = htex.executor.shutdown();
    assert.equal(htex.executor.shutdown(), first);
    await first;
    assert.equal(htex.executor.state, 'STOPPED');
    await assert.rejects(
      htex.executor.submit({ taskId: 1, attempt: 0, spec: { kind: 'noop' } }),
      (err: unknown) => err instanceof ExecutorStateError && err.code === ErrorCode.ExecutorState && /STOPPED/.test(err.message),
    );
  });

  test('tasks pending at shutdown reject with a shut-down error instead of hanging', async () => {
    const htex = await startHtex();
    const running = htex.executor.submit({ taskId: 1, attempt: 0, spec: { kind: 'bash', command: 'sleep 30' } });
    await until(() => htex.executor.managers()[0]?.tasks === 1, 30_000, 'the task to reach the pool');
    await htex.executor.shutdown();
    await assert.rejects(running, (err: unknown) => err instanceof ParslCwlError && err.code === ErrorCode.ExecutorFailed);
  });
});
