/**
 * A Slurm block that reaches its walltime (the shortest Slurm allows: one minute) is seen as
 * TIMEOUT and replaced; the task it was running is retried on the new block. Its own file, so
 * that its minute overlaps the other Slurm tests.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataFlowKernel, bashApp } from '../../src/dataflow/index.js';
import { HighThroughputExecutor } from '../../src/executors/htex/executor.js';
import { SlurmProvider } from '../../src/providers/slurm/index.js';
import { assertNoJobsLeft, assertSlurmWorks, liveJobsNamed, pollUntil, scratchDir, slurmTestOptions, uniqueLabel } from './slurmGate.js';

describe('Slurm block walltime', slurmTestOptions, () => {
  const label = uniqueLabel('wall');
  let dfk: DataFlowKernel | undefined;
  before(() => assertSlurmWorks());
  after(async () => {
    await dfk?.shutdown();
    await assertNoJobsLeft(label);
  });

  test('a block that hits its walltime is TIMEOUT, replaced, and its task retried on the new block', { timeout: 240_000 }, async () => {
    const dir = scratchDir('walltime');
    const executor = new HighThroughputExecutor({
      label,
      provider: new SlurmProvider({ label, walltime: '00:01:00', initBlocks: 1, minBlocks: 1, maxBlocks: 1, cmdTimeout: 20 }),
      workersPerPool: 1,
      heartbeatPeriodSec: 0.5,
      heartbeatThresholdSec: 5,
      workerBindInterface: '127.0.0.1',
      addresses: ['127.0.0.1'],
      strategy: { periodSec: 1, maxIdleTimeSec: 600 },
    });
    // Two retries, as in cwl-examples/configs/slurm.yml: at the time limit Slurm signals the pool
    // and its workers together, so the first retry may still reach the dying pool.
    dfk = await DataFlowKernel.load({ executors: [executor], runDir: join(dir, 'runinfo'), retries: 2 });
    const tries = join(dir, 'tries');
    // The first try outlives its block; a try in another job finishes at once.
    const task = bashApp(() => `first=$(head -n 1 ${tries} 2>/dev/null); echo "$SLURM_JOB_ID" >> ${tries}; if [ -z "$first" ] || [ "$first" = "$SLURM_JOB_ID" ]; then sleep 600; fi`, { name: 'long', dfk });
    const future = task({});
    const firstJob = await pollUntil('the first try to start', () => (existsSync(tries) ? readFileSync(tries, 'utf8').trim() || undefined : undefined), 60_000);

    const result = await future;
    assert.equal(result.exitCode, 0);
    const jobs = readFileSync(tries, 'utf8').trim().split('\n');
    assert.ok(jobs.length >= 2 && jobs.length <= 3, `tries ran in jobs ${jobs.join(', ')}`);
    assert.notEqual(jobs.at(-1), firstJob, 'the try that finished ran in the replacement block');
    assert.deepEqual(liveJobsNamed(label).map((job) => job.name), [`parsl.${label}.block-1`], 'the replacement block runs');
    assert.match(readFileSync(dfk.logPath, 'utf8'), new RegExp(`block 0 \\(job ${firstJob}\\) ended: TIMEOUT`));
  });
});
