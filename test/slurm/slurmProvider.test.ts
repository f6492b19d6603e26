/**
 * SlurmProvider against the real local Slurm (test/slurm/start-local-slurm.sh): submit, status,
 * cancel, sacct→squeue fallback, srun launcher, refused submissions and hung commands. (Walltime:
 * blockWalltime.test.ts, end to end.)
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode } from '../../src/util/errors.js';
import { ProviderCommandFailedError, ProviderCommandTimeoutError, SubmitFailedError } from '../../src/providers/errors.js';
import { SrunLauncher } from '../../src/providers/launchers.js';
import type { BlockState } from '../../src/providers/provider.js';
import { SlurmProvider } from '../../src/providers/slurm/index.js';
import { assertNoJobsLeft, assertSlurmWorks, liveJobsNamed, pollUntil, scratchDir, slurmTestOptions, uniqueLabel } from './slurmGate.js';

describe('SlurmProvider on the local Slurm', slurmTestOptions, () => {
  const label = uniqueLabel('prov');
  const dir = scratchDir('provider');
  const scriptDir = join(dir, 'submit_scripts');
  let blockNo = 0;
  const request = (command: string): { command: string; jobName: string; tasksPerNode: number; scriptDir: string } => ({
    command,
    jobName: `parsl.${label}.block-${blockNo++}`,
    tasksPerNode: 1,
    scriptDir,
  });
  const waitForState = (provider: SlurmProvider, jobId: string, states: BlockState[], timeoutMs: number) =>
    pollUntil(`job ${jobId} in ${states.join('/')}`, async () => {
      const [status] = await provider.status([jobId]);
      return status && states.includes(status.state) ? status : undefined;
    }, timeoutMs);

  before(() => assertSlurmWorks());
  afterEach(() => assertNoJobsLeft(label));

  test('a block is submitted with its script in submit_scripts/, runs, and is cancelled', async () => {
    const provider = new SlurmProvider({ label, walltime: '00:05:00', cmdTimeout: 20 });
    const marker = join(dir, 'ran');
    const jobId = await provider.submit(request(`echo "$SLURM_JOB_ID" > ${marker}; sleep 300`));
    assert.match(jobId, /^\d+$/);
    const scripts = [0].map((n) => join(scriptDir, `parsl.${label}.block-${n}.submit`));
    assert.ok(existsSync(scripts[0] as string), 'batch script kept in submit_scripts/');
    assert.deepEqual(liveJobsNamed(label).map((job) => job.name), [`parsl.${label}.block-0`]);

    await waitForState(provider, jobId, ['RUNNING'], 30_000);
    await pollUntil('the block to run its command', () => (existsSync(marker) && readFileSync(marker, 'utf8').trim() === jobId ? true : undefined), 10_000);
    // No accounting database here: the first poll detected that and uses squeue.
    assert.equal(provider.statusSource, 'squeue');

    assert.deepEqual(await provider.cancel([jobId]), [true]);
    const status = await waitForState(provider, jobId, ['CANCELLED'], 30_000);
    assert.match(status.detail ?? '', /CANCELLED|cancelled/);
  });

  test('a block whose command ends is COMPLETED; one that fails is FAILED with its exit code', async () => {
    const provider = new SlurmProvider({ label, cmdTimeout: 20 });
    const [ok, bad] = [await provider.submit(request('true')), await provider.submit(request('exit 3'))];
    await waitForState(provider, ok, ['COMPLETED'], 30_000);
    const failed = await waitForState(provider, bad, ['FAILED'], 30_000);
    assert.equal(failed.exitCode === undefined || failed.exitCode === 3, true);
  });

  test('a job id Slurm never knew is MISSING; status keeps the order of the ids asked for', async () => {
    const provider = new SlurmProvider({ label, cmdTimeout: 20 });
    const jobId = await provider.submit(request('sleep 300'));
    const statuses = await provider.status(['999999', jobId, '999998']);
    assert.deepEqual(statuses.map((s) => s.state === 'MISSING'), [true, false, true]);
    assert.deepEqual(await provider.cancel([jobId]), [true]);
    await waitForState(provider, jobId, ['CANCELLED'], 30_000);
  });

  test('the srun launcher starts one copy per node inside the allocation', async () => {
    const launcher = new SrunLauncher();
    const provider = new SlurmProvider({ label, launcher, cmdTimeout: 20 });
    const out = join(dir, 'srun-rank');
    const jobId = await provider.submit(request(launcher.wrap(`echo "rank=$PARSL_CWL_RANK step=$SLURM_STEP_ID" > ${out}`, 1, 1)));
    await waitForState(provider, jobId, ['COMPLETED'], 30_000);
    assert.match(readFileSync(out, 'utf8'), /^rank=0 step=0$/m);
  });

  test('sbatch refusing the block is SubmitFailed, with what Slurm said as its cause', async () => {
    const provider = new SlurmProvider({ label, partition: 'no-such-partition', cmdTimeout: 20 });
    await assert.rejects(provider.submit(request('true')), (err: unknown) => {
      assert.ok(err instanceof SubmitFailedError);
      assert.equal(err.code, ErrorCode.SubmitFailed);
      assert.ok(err.cause instanceof ProviderCommandFailedError);
      assert.match(err.message, /invalid partition/i);
      return true;
    });
  });

  test('a Slurm command that hangs fails with ProviderCommandTimeout after cmd_timeout', async () => {
    // A squeue/sacct that never answers, first on PATH: the controller-overloaded case.
    const bin = join(dir, 'hung-bin');
    mkdirSync(bin, { recursive: true });
    for (const name of ['sacct', 'squeue']) {
      writeFileSync(join(bin, name), '#!/bin/sh\nexec sleep 60\n');
      chmodSync(join(bin, name), 0o755);
    }
    const savedPath = process.env.PATH;
    process.env.PATH = `${bin}:${savedPath ?? ''}`;
    try {
      const provider = new SlurmProvider({ label, cmdTimeout: 0.5 });
      const started = Date.now();
      await assert.rejects(provider.status(['1']), (err: unknown) => err instanceof ProviderCommandTimeoutError && err.code === ErrorCode.ProviderCommandTimeout);
      assert.ok(Date.now() - started < 5_000);
    } finally {
      process.env.PATH = savedPath;
    }
  });

  test('an sbatch that queues the block but never answers: SubmitFailed, and the orphan job is cancelled', async () => {
    // sbatch submits, then hangs past cmd_timeout: the job exists but its id never arrives.
    const bin = join(dir, 'slow-sbatch-bin');
    mkdirSync(bin, { recursive: true });
    const realSbatch = execFileSync('bash', ['-c', 'command -v sbatch'], { encoding: 'utf8' }).trim();
    writeFileSync(join(bin, 'sbatch'), `#!/bin/sh\n${realSbatch} "$@"\nexec sleep 60\n`);
    chmodSync(join(bin, 'sbatch'), 0o755);
    const savedPath = process.env.PATH;
    process.env.PATH = `${bin}:${savedPath ?? ''}`;
    try {
      const provider = new SlurmProvider({ label, cmdTimeout: 2 });
      await assert.rejects(provider.submit(request('sleep 300')), (err: unknown) => err instanceof SubmitFailedError && err.cause instanceof ProviderCommandTimeoutError);
    } finally {
      process.env.PATH = savedPath;
    }
    // afterEach: no job of ours left in squeue.
  });

  after(() => assertNoJobsLeft(label));
});
