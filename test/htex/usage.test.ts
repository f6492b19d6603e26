/**
 * Pools report their workers' busy and idle seconds (issue 16): with every heartbeat while they are
 * connected, and once more when they leave (drained), so the executor's totals survive the pool.
 * Also: a CWL job task carries its ResourceRequirement's cores and RAM for block scaling.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jobResources } from '../../src/cwl/jobTask.js';
import { startHtex, until } from './helpers.js';

test('busy worker-seconds cover the tasks run; busy + idle is the pool lifetime times its workers', async () => {
  const htex = await startHtex({ workersPerPool: 2 });
  try {
    const t0 = Date.now();
    await Promise.all([1, 2].map((taskId) => htex.executor.submit({ taskId, attempt: 0, spec: { kind: 'bash', command: 'sleep 1' } })));
    // The next heartbeat carries the two finished tasks' time.
    const usage = await until(() => {
      const u = htex.executor.usage();
      return u.busyWorkerSec >= 2 ? u : undefined;
    }, 30_000, 'two busy worker-seconds reported');
    const lifetimeSec = (Date.now() - t0) / 1000;
    assert.ok(usage.busyWorkerSec < 2 * lifetimeSec, `busy ${usage.busyWorkerSec} s within 2 workers x ${lifetimeSec} s`);
    assert.ok(usage.idleWorkerSec >= 0);
  } finally {
    await htex.executor.shutdown();
  }
});

test('a pool that drains and leaves reports its last usage on the way out', async () => {
  const htex = await startHtex({ workersPerPool: 1, drainPeriodSec: 1.5, heartbeatPeriodSec: 30, heartbeatThresholdSec: 120 });
  try {
    // Heartbeats are 30 s apart: only the `drained` message can carry this task's time in time.
    await htex.executor.submit({ taskId: 1, attempt: 0, spec: { kind: 'bash', command: 'sleep 0.5' } });
    await until(() => htex.logs.some((l) => l.includes('registered')) && htex.executor.managers().length === 0, 30_000, 'the drained pool to leave');
    const usage = await until(() => {
      const u = htex.executor.usage();
      return u.busyWorkerSec > 0 ? u : undefined;
    }, 10_000, 'the drained pool usage');
    assert.ok(usage.busyWorkerSec >= 0.5 && usage.busyWorkerSec < 5, `busy ${usage.busyWorkerSec}`);
    assert.ok(usage.idleWorkerSec > 0, 'it idled until its drain period');
  } finally {
    await htex.executor.shutdown();
  }
});

test('CWL jobs carry their ResourceRequirement cores and RAM (plain numbers; expressions count as unknown)', () => {
  const req = (fields: Record<string, unknown>) => ({ requirements: [{ class: 'ResourceRequirement', ...fields }], hints: [] });
  assert.deepEqual(jobResources(req({ coresMin: 2, ramMin: 1500 })), { cores: 2, ramMB: 1500 });
  assert.deepEqual(jobResources(req({ coresMax: 1.5 })), { cores: 2 });
  assert.equal(jobResources(req({ coresMin: '$(inputs.n)' })), undefined);
  assert.equal(jobResources({ requirements: [], hints: [] }), undefined);
  assert.deepEqual(jobResources({ requirements: [], hints: [{ class: 'ResourceRequirement', ramMin: 100 }] }), { ramMB: 100 });
});

test('outstanding resources: each task counts at most one block of cores', async () => {
  const htex = await startHtex({ workersPerPool: 2, strategy: false }, { initBlocks: 0 });
  try {
    const abort = new AbortController();
    const spec = (cores: number) => ({ kind: 'bash' as const, command: 'true', resources: { cores, ramMB: 100 } });
    const tasks = [htex.executor.submit({ taskId: 1, attempt: 0, spec: spec(8) }, abort.signal), htex.executor.submit({ taskId: 2, attempt: 0, spec: spec(1) }, abort.signal)];
    // Local blocks have no core figure: one core per worker, 2 per block; the 8-core task counts 2.
    assert.deepEqual(htex.executor.outstandingResources(), { tasks: 2, cores: 3, ramMB: 200 });
    abort.abort(new Error('test over'));
    await Promise.allSettled(tasks);
  } finally {
    await htex.executor.shutdown();
  }
});
