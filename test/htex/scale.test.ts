/**
 * The scale simulation, small (issue 16): a real interchange (CurveZMQ on) with 128 simulated pools
 * of 32 workers in 2 processes, speaking the real pool protocol (bench/scale/), through a
 * DataFlowKernel. More tasks than worker slots, each taking a few ms, so the interchange keeps a
 * queue and hands it out as pools free up. No pool may be lost, and every task runs exactly once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runScaleSimulation } from '../../bench/scale/harness.js';

test('128 simulated pools: all register, none is lost, every task runs exactly once', async () => {
  const r = await runScaleSimulation({
    pools: 128,
    processes: 2,
    workersPerPool: 32,
    prefetch: 0,
    tasks: 20_000,
    delayMs: 2,
    // Short period so heartbeats go both ways many times during the run; a threshold a loaded
    // machine cannot reach by accident.
    heartbeatPeriodSec: 0.25,
    heartbeatThresholdSec: 20,
    recordTaskIds: true,
    timeoutMs: 240_000,
  });
  assert.deepEqual(r.simulatorLogs, []);
  assert.equal(r.tasksDone, 20_000);
  assert.equal(r.duplicates, 0);
  assert.equal(r.missing, 0);
  assert.equal(r.poolsAtEnd, 128);
  assert.equal(r.poolsLost, 0);
});
