/**
 * A pool that is stopping (SIGTERM from the batch system: scancel, the block's end) starts no task
 * that reaches it after that: its workers are stopping and would fail it at once, and the kernel's
 * retry would come straight back to the same dying pool (test/slurm/htexOnSlurm.test.ts, scancel of
 * a busy block). Such a task fails with ManagerLost once the interchange drops the pool instead.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, ParslCwlError } from '../../src/util/errors.js';
import { WorkerPool } from '../../src/executors/htex/pool.js';
import { startHtex, until } from './helpers.js';

test('a task reaching a stopping pool is not started there, and fails with ManagerLost once the pool is dropped', async () => {
  const htex = await startHtex({ strategy: false }, { initBlocks: 0 });
  const { workerPort, certDir } = htex.executor.endpoints();
  const lines: string[] = [];
  // One worker and one prefetched task: the second task is sent to the pool while the first runs.
  const pool = new WorkerPool({
    addresses: ['127.0.0.1'],
    port: workerPort,
    certDir,
    blockId: '3',
    workers: 1,
    prefetch: 1,
    heartbeatPeriodMs: 250,
    heartbeatThresholdMs: 5000,
    logDir: join(htex.runDir, 'pools'),
    log: (line) => lines.push(line),
  });
  const started = join(htex.runDir, 'started');
  const late = join(htex.runDir, 'late-ran');
  try {
    await pool.start();
    // Ignores SIGTERM: the pool stays STOPPING for the kill grace period, long enough for the
    // late task to reach it (the log line below says when it did).
    const first = htex.executor.submit({ taskId: 1, attempt: 0, spec: { kind: 'bash', command: `trap '' TERM; touch ${started}; sleep 600` } });
    first.catch(() => undefined);
    await until(() => existsSync(started), 20_000, 'the first task to start');
    const stopping = pool.stop('SIGTERM');
    const second = htex.executor.submit({ taskId: 2, attempt: 0, spec: { kind: 'bash', command: `touch ${late}` } });
    await until(() => lines.some((l) => l.includes('arrived while stopping')), 20_000, 'the second task to reach the stopping pool');
    await stopping;
    const err = await second.then(
      () => assert.fail('the task ran in the stopping pool'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ParslCwlError && err.code === ErrorCode.ManagerLost, String(err));
    assert.equal(existsSync(late), false, 'the late task never ran');
  } finally {
    await pool.stop('test over');
    await htex.executor.shutdown();
  }
});
