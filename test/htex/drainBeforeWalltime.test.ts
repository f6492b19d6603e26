/**
 * drain_before_walltime in a pool (issue 16), without Slurm: a pool told its block's walltime stops
 * taking tasks that long before the end, and just before the end fails what still runs with
 * BlockWalltimeError (PCWL_BLOCK_WALLTIME) and leaves, so the kernel retries it elsewhere. The Slurm
 * version (a real one-minute block) is test/slurm/elastic.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ErrorCode, ParslCwlError } from '../../src/util/errors.js';
import { WorkerPool } from '../../src/executors/htex/pool.js';
import { startHtex, until } from './helpers.js';

test('a pool drains before its block walltime, then fails the task still running with PCWL_BLOCK_WALLTIME and leaves', async () => {
  const htex = await startHtex({ strategy: false }, { initBlocks: 0 });
  const { workerPort, certDir } = htex.executor.endpoints();
  const lines: string[] = [];
  // A 4 s "block": drain 3 s before its end (at 1 s), fail what runs 1.5 s before it (at 2.5 s).
  const pool = new WorkerPool({
    addresses: ['127.0.0.1'],
    port: workerPort,
    certDir,
    blockId: '7',
    workers: 1,
    prefetch: 0,
    heartbeatPeriodMs: 250,
    heartbeatThresholdMs: 5000,
    blockWalltimeMs: 4000,
    drainBeforeEndMs: 3000,
    logDir: join(htex.runDir, 'pools'),
    log: (line) => lines.push(line),
  });
  const abort = new AbortController();
  try {
    await pool.start();
    const long = htex.executor.submit({ taskId: 11, attempt: 0, spec: { kind: 'bash', command: 'sleep 30' } });
    await until(() => lines.some((l) => l.startsWith('draining')) || undefined, 10_000, 'the pool to drain');
    // Submitted during the drain: it must not reach the draining pool.
    const late = htex.executor.submit({ taskId: 12, attempt: 0, spec: { kind: 'bash', command: 'true' } }, abort.signal);
    late.catch(() => undefined);
    const err = await long.then(
      () => assert.fail('the task outlived its block'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ParslCwlError && err.code === ErrorCode.BlockWalltime, String(err));
    assert.match(err.message, /task 11 was still running when its block 7 reached its walltime of 4 s \(the block stopped taking tasks 3 s before\)/);
    await pool.done();
    assert.equal(pool.state, 'STOPPED');
    // The late task was never sent to the pool: it waits in the interchange for another block.
    await until(() => htex.executor.managers().length === 0 || undefined, 10_000, 'the pool to be forgotten');
    const queued = await htex.executor.command({ command: 'managers' });
    assert.deepEqual(queued, { command: 'managers', managers: [] });
    assert.equal(htex.executor.outstanding(), 1);
  } finally {
    abort.abort(new Error('test over'));
    await pool.stop('test over');
    await htex.executor.shutdown();
  }
});
