/**
 * HighThroughputExecutor pools provisioned by the real local Slurm, driven by the block-scaling
 * strategy: tasks run inside Slurm jobs, scale-out to max_blocks and scale-in after idle show in
 * squeue, a busy block cancelled with scancel has its task retried on a new block, and no job of
 * ours is left in squeue afterwards.
 */
import { afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, ParslCwlError } from '../../src/util/errors.js';
import { bashApp } from '../../src/dataflow/index.js';
import { SrunLauncher } from '../../src/providers/launchers.js';
import { assertNoJobsLeft, assertSlurmWorks, liveJobsNamed, pollUntil, scratchDir, slurmTestOptions, uniqueLabel } from './slurmGate.js';
import { startOnSlurm, type Run } from './onSlurm.js';

/** Our jobs squeue lists as RUNNING right now. */
const runningJobs = (label: string): string[] => liveJobsNamed(label).filter((job) => job.state === 'RUNNING').map((job) => job.id);

describe('HTEX on Slurm blocks', slurmTestOptions, () => {
  let label = '';
  let run: Run | undefined;
  before(() => assertSlurmWorks());
  afterEach(async () => {
    await run?.dfk.shutdown();
    run = undefined;
    // Shutdown cancelled every block: none of ours may be left.
    await assertNoJobsLeft(label);
  });

  test('bash tasks run inside a Slurm block, and its batch script is in submit_scripts/', async () => {
    label = uniqueLabel('e2e');
    run = await startOnSlurm(label, { initBlocks: 1, maxBlocks: 1 });
    const app = bashApp((a: { n: number }) => `echo "$SLURM_JOB_ID $SLURM_JOB_NAME ${a.n}"`, { name: 'where', dfk: run.dfk });
    const outs = [1, 2, 3].map((n) => join(run!.dir, `out${n}`));
    await Promise.all(outs.map((stdout, i) => app({ n: i + 1 }, { stdout })));
    const [jobId] = liveJobsNamed(label).map((job) => job.id);
    for (const [i, out] of outs.entries()) {
      assert.equal(readFileSync(out, 'utf8').trim(), `${jobId} parsl.${label}.block-0 ${i + 1}`);
    }
    const runDir = execFileSync('ls', [join(run.dir, 'runinfo')], { encoding: 'utf8' }).trim().split('\n')[0] ?? '';
    assert.ok(existsSync(join(run.dir, 'runinfo', runDir, 'submit_scripts', `parsl.${label}.block-0.submit`)));
  });

  test('with the srun launcher the pool runs as a job step of its block', async () => {
    label = uniqueLabel('srun');
    run = await startOnSlurm(label, { initBlocks: 1, maxBlocks: 1, launcher: new SrunLauncher() });
    const app = bashApp(() => 'echo "$SLURM_JOB_ID.$SLURM_STEP_ID"', { name: 'step', dfk: run.dfk });
    const out = join(run.dir, 'step');
    await app({}, { stdout: out });
    const [jobId] = liveJobsNamed(label).map((job) => job.id);
    assert.equal(readFileSync(out, 'utf8').trim(), `${jobId}.0`);
  });

  test('load scales out to max_blocks, idleness scales back in to min_blocks, as squeue shows', async () => {
    label = uniqueLabel('scale');
    run = await startOnSlurm(label, { initBlocks: 1, minBlocks: 0, maxBlocks: 3 });
    const gate = join(scratchDir('gate'), 'open');
    // Six tasks that hold their workers until the gate opens: work for three one-worker blocks.
    const wait = bashApp(() => `while [ ! -e ${gate} ]; do sleep 0.1; done`, { name: 'hold', dfk: run.dfk });
    const futures = Array.from({ length: 6 }, () => wait({}));
    const running = await pollUntil('three of our blocks RUNNING in squeue', () => (runningJobs(label).length === 3 ? runningJobs(label) : undefined), 60_000);
    assert.equal(liveJobsNamed(label).length, 3, 'never more than max_blocks');
    execFileSync('touch', [gate]);
    await Promise.all(futures);
    // min_blocks is 0: after max_idletime every block is drained and cancelled.
    await pollUntil('our blocks to leave squeue after idling', () => (liveJobsNamed(label).length === 0 ? true : undefined), 60_000);
    assert.equal(running.length, 3);
  });

  test('scancel of a busy block: its task is retried on a new block and finishes', async () => {
    label = uniqueLabel('lost');
    run = await startOnSlurm(label, { initBlocks: 1, minBlocks: 1, maxBlocks: 1 }, {}, 2);
    const marks = scratchDir('marks');
    // Each try records the job it ran in; a try in the first job waits to be killed (Slurm signals
    // the pool and its workers together, so a retry may still reach the dying pool). It waits as
    // `exec sleep`, with no bash left to run on: scancel signals the job's processes one by one,
    // deepest first (proctrack/linuxproc), and under load a bash reaped its killed sleep and ran
    // `echo finished` before its own SIGTERM came, so the first try succeeded in the cancelled block.
    const task = bashApp(
      () => `first=$(head -n 1 ${marks}/tries 2>/dev/null); echo "$SLURM_JOB_ID" >> ${marks}/tries; if [ -z "$first" ] || [ "$first" = "$SLURM_JOB_ID" ]; then exec sleep 300; fi; echo finished`,
      { name: 'victim', dfk: run.dfk },
    );
    const future = task({}, { stdout: join(marks, 'out') });
    const firstJob = await pollUntil('the task to start in a block', () => (existsSync(join(marks, 'tries')) ? readFileSync(join(marks, 'tries'), 'utf8').trim() || undefined : undefined), 60_000);
    execFileSync('scancel', [firstJob]);
    const result = await future;
    assert.equal(result.exitCode, 0);
    const tries = readFileSync(join(marks, 'tries'), 'utf8').trim().split('\n');
    assert.ok(tries.length >= 2 && tries.length <= 3, `tries ran in jobs ${tries.join(', ')}`);
    assert.notEqual(tries.at(-1), firstJob, 'the try that finished ran in a new block');
    assert.equal(readFileSync(join(marks, 'out'), 'utf8').trim(), 'finished');
  });

  test('blocks that keep failing before a pool connects fail the executor instead of being resubmitted for ever', async () => {
    label = uniqueLabel('bad');
    run = await startOnSlurm(label, { initBlocks: 1, maxBlocks: 2, workerInit: 'echo "worker_init broke" >&2; exit 1' }, { strategy: { periodSec: 0.3, maxBlockFailures: 3 } });
    const app = bashApp(() => 'true', { name: 'never', dfk: run.dfk });
    const err = await app({}).then(
      () => assert.fail('the task cannot run without a pool'),
      (e: unknown) => e,
    );
    let found: unknown = err;
    while (found instanceof Error && !(found instanceof ParslCwlError && found.code === ErrorCode.ExecutorFailed)) found = found.cause;
    assert.ok(found instanceof ParslCwlError, `expected ExecutorFailed in the cause chain of ${String(err)}`);
    assert.match(found.message, /3 blocks in a row failed to start/);
    // The blocks' stderr says why, beside their scripts.
    const runs = join(run.dir, 'runinfo');
    const runDir = join(runs, execFileSync('ls', [runs], { encoding: 'utf8' }).trim().split('\n')[0] ?? '');
    assert.match(readFileSync(join(runDir, 'submit_scripts', `parsl.${label}.block-0.stderr`), 'utf8'), /worker_init broke/);
  });

  test('shutdown while the strategy is scaling out leaves no block behind', async () => {
    label = uniqueLabel('stop');
    run = await startOnSlurm(label, { initBlocks: 0, minBlocks: 0, maxBlocks: 3 }, { strategy: { periodSec: 0.05, maxIdleTimeSec: 60 } });
    const app = bashApp(() => 'sleep 30', { name: 'busy', dfk: run.dfk });
    const futures = Array.from({ length: 6 }, () => app({}).then(undefined, () => undefined));
    // As soon as the first block is queued, stop everything while more are being submitted.
    await pollUntil('the first block in squeue', () => (liveJobsNamed(label).length > 0 ? true : undefined), 30_000, 20);
    await run.dfk.shutdown({ mode: 'cancel' });
    await Promise.all(futures);
    // afterEach checks squeue: nothing of ours may be left.
  });

  test('a block squeue stops listing is treated as ended: replaced, and cancelled rather than left running', async () => {
    label = uniqueLabel('gone');
    run = await startOnSlurm(label, { initBlocks: 1, minBlocks: 1, maxBlocks: 1 });
    const where = bashApp(() => 'echo "$SLURM_JOB_ID"', { name: 'where', dfk: run.dfk });
    const first = join(run.dir, 'first');
    await where({}, { stdout: first });
    const hiddenJob = readFileSync(first, 'utf8').trim();

    // From now on the executor's squeue no longer lists that job (the job itself keeps running).
    const realSqueue = execFileSync('bash', ['-c', 'command -v squeue'], { encoding: 'utf8' }).trim();
    const bin = join(run.dir, 'forgetful-bin');
    execFileSync('mkdir', ['-p', bin]);
    writeFileSync(join(bin, 'squeue'), `#!/bin/sh\n${realSqueue} "$@" | grep -v -E '^ *${hiddenJob}[|]'\nexit 0\n`);
    chmodSync(join(bin, 'squeue'), 0o755);
    const savedPath = process.env.PATH;
    process.env.PATH = `${bin}:${savedPath ?? ''}`;
    try {
      await pollUntil('the strategy to report the unlisted block ended', () => (readFileSync(run!.dfk.logPath, 'utf8').includes(`block 0 (job ${hiddenJob}) ended`) ? true : undefined), 30_000);
    } finally {
      process.env.PATH = savedPath;
    }
    const second = join(run.dir, 'second');
    await where({}, { stdout: second });
    const newJob = readFileSync(second, 'utf8').trim();
    assert.notEqual(newJob, hiddenJob, 'the work ran on a replacement block');
    await pollUntil('the unlisted job to be cancelled for real', () => (liveJobsNamed(label).every((job) => job.id !== hiddenJob) ? true : undefined), 30_000);
    assert.deepEqual(liveJobsNamed(label).map((job) => job.name), [`parsl.${label}.block-1`]);
  });
});
