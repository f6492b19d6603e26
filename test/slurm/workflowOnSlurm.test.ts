/**
 * A CWL scatter workflow whose tool jobs run on HTEX pools in Slurm blocks (issue 7 "Done when"):
 * every scattered step reports the Slurm job its pool runs in, and no job is left afterwards.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadProcess } from '../../src/cwl/load/index.js';
import type { Workflow } from '../../src/cwl/model.js';
import { runWorkflowOnKernel } from '../../src/cwl/workflow/index.js';
import { DataFlowKernel, readRunRecord } from '../../src/dataflow/index.js';
import { HighThroughputExecutor } from '../../src/executors/htex/executor.js';
import { SlurmProvider } from '../../src/providers/slurm/index.js';
import { assertNoJobsLeft, assertSlurmWorks, scratchDir, slurmTestOptions, uniqueLabel } from './slurmGate.js';

// Fixtures stay in the source tree; this file runs from dist/test/slurm/.
const FIXTURES = fileURLToPath(new URL('../../../test/slurm/fixtures/', import.meta.url));

describe('CWL workflow on Slurm blocks', slurmTestOptions, () => {
  const label = uniqueLabel('wf');
  let dfk: DataFlowKernel | undefined;
  before(() => assertSlurmWorks());
  after(async () => {
    await dfk?.shutdown();
    await assertNoJobsLeft(label);
  });

  test('a scatter workflow completes with every step run by a pool in a Slurm block', async () => {
    const dir = scratchDir('wf');
    const executor = new HighThroughputExecutor({
      label,
      provider: new SlurmProvider({ label, initBlocks: 1, maxBlocks: 2, walltime: '00:10:00', cmdTimeout: 20 }),
      workersPerPool: 2,
      heartbeatPeriodSec: 0.5,
      heartbeatThresholdSec: 5,
      workerBindInterface: '127.0.0.1',
      addresses: ['127.0.0.1'],
      strategy: { periodSec: 0.5, maxIdleTimeSec: 30 },
    });
    dfk = await DataFlowKernel.load({ executors: [executor], runDir: join(dir, 'runinfo') });
    const wf = (await loadProcess(join(FIXTURES, 'scatter-on-slurm.cwl'))) as Workflow;
    const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'];
    const { outputs } = await runWorkflowOnKernel(wf, { words }, { runDir: dir, dfk });

    const outs = outputs.outs as { path: string }[];
    assert.equal(outs.length, words.length);
    const jobIds = new Set<string>();
    outs.forEach((file, i) => {
      const [jobLine, word] = readFileSync(file.path, 'utf8').trim().split('\n');
      assert.match(jobLine ?? '', /^SLURM_JOB_ID=\d+$/, `step ${i} ran outside a Slurm block`);
      assert.equal(word, words[i]);
      jobIds.add((jobLine ?? '').slice('SLURM_JOB_ID='.length));
    });

    // The run record (docs/run-record.md): each step instance with its worker and block, and the
    // blocks with the Slurm job ids the steps saw.
    await dfk.shutdown();
    const rec = await readRunRecord(dfk.runDir);
    const steps = rec.tasks.filter((t) => t.scatterIndex !== undefined);
    assert.equal(steps.length, words.length);
    const blockJob = new Map(rec.blocks.map((b) => [b.id, b.jobId]));
    for (const t of steps) {
      assert.equal(t.state, 'exec_done');
      assert.ok(t.worker?.startsWith(`${t.manager}/w`) && t.block !== undefined, JSON.stringify(t));
      assert.ok(jobIds.has(blockJob.get(t.block!) ?? ''), `task ${t.id}'s block ${t.block} is a Slurm job a step saw`);
    }
    for (const b of rec.blocks) {
      assert.equal(b.provider, label, "the SlurmProvider's label");
      assert.equal(b.state, 'ended');
      assert.match(b.jobId ?? '', /^\d+$/);
    }
  });
});
