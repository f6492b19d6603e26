/**
 * Heartbeats when a process stalls: the user's process blocking its event loop longer than the
 * heartbeat threshold (a long synchronous submit loop) is not an interchange failure, while an
 * interchange that really stops answering still is.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '../../src/util/errors.js';
import { InterchangeFailedError } from '../../src/executors/htex/errors.js';
import { startHtex, until } from './helpers.js';

const noopTask = (taskId: number) => ({ taskId, attempt: 0, spec: { kind: 'noop' as const } });

test("the user's process blocked for longer than the heartbeat threshold fails nothing", async () => {
  const htex = await startHtex({ heartbeatPeriodSec: 0.25, heartbeatThresholdSec: 2 });
  try {
    await htex.executor.submit(noopTask(1));
    const pending = htex.executor.submit(noopTask(2));
    // The stimulus: this process does nothing else for 3 s (1.5 thresholds), as a synchronous loop
    // submitting a million tasks would. The interchange and the pool keep running meanwhile.
    const end = Date.now() + 3000;
    while (Date.now() < end) {
      // busy
    }
    assert.deepEqual(await pending, { kind: 'noop' });
    assert.deepEqual(await htex.executor.submit(noopTask(3)), { kind: 'noop' });
    assert.equal(htex.executor.state, 'RUNNING');
    assert.ok(!htex.logs.some((l) => /INTERCHANGE_FAILED|sent nothing/.test(l)), htex.logs.join('\n'));
  } finally {
    await htex.executor.shutdown();
  }
});

test('an interchange that stops answering is still found hung', async () => {
  const htex = await startHtex({ heartbeatPeriodSec: 0.25, heartbeatThresholdSec: 2 });
  const pid = htex.executor.endpoints().interchangePid;
  assert.ok(pid !== undefined);
  try {
    await htex.executor.submit(noopTask(1));
    process.kill(pid, 'SIGSTOP');
    const pending = htex.executor.submit(noopTask(2));
    await assert.rejects(pending, (err: unknown) => err instanceof InterchangeFailedError && err.code === ErrorCode.InterchangeFailed && /sent nothing/.test(err.message));
    await until(() => htex.executor.state === 'FAILED', 30_000, 'the executor to fail');
  } finally {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // killed by the executor already
    }
    await htex.executor.shutdown();
  }
});
