/**
 * Cluster scale on the simulated multi-node Slurm (issue 16): scale-out by the cores CWL tasks ask
 * for, blocks still queued in Slurm cancelled once not needed, 8 exclusive blocks at once on 8
 * nodes, the srun launcher starting one pool per node of a two-node block, and drain before walltime (no task lost; a task that outlives its
 * block fails with PCWL_BLOCK_WALLTIME and is retried on another block).
 */
import { afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTool } from '../../src/cwl/app/index.js';
import { bashApp } from '../../src/dataflow/index.js';
import { SrunLauncher } from '../../src/providers/launchers.js';
import { assertNoJobsLeft, assertSlurmWorks, liveJobsNamed, pollUntil, scratchDir, slurmTestOptions, uniqueLabel } from './slurmGate.js';
import { startOnSlurm, type Run } from './onSlurm.js';

const FIXTURES = fileURLToPath(new URL('../../../test/slurm/fixtures/', import.meta.url));

describe('Cluster scale on the simulated Slurm', slurmTestOptions, () => {
  let label = '';
  let run: Run | undefined;
  before(() => assertSlurmWorks());
  afterEach(async () => {
    await run?.dfk.shutdown();
    run = undefined;
    await assertNoJobsLeft(label);
  });

  test('scale-out follows the cores the tasks ask for: two 2-core CWL jobs get two 2-core blocks, not one', async () => {
    label = uniqueLabel('cores');
    // By count, two tasks fit one 2-worker block; by cores (coresMin: 2 each) they need two.
    run = await startOnSlurm(label, { initBlocks: 0, minBlocks: 0, maxBlocks: 4, coresPerNode: 2 }, { workersPerPool: 2 });
    const tool = await loadTool(join(FIXTURES, 'gated-two-cores.cwl'), { dfk: run.dfk });
    const gate = join(scratchDir('cores-gate'), 'open');
    const futures = ['a', 'b'].map((word) => tool({ gate, word }));
    const blocks = await pollUntil('two blocks of ours RUNNING', () => {
      const running = liveJobsNamed(label).filter((job) => job.state === 'RUNNING');
      return running.length >= 2 ? running : undefined;
    }, 60_000);
    assert.equal(blocks.length, 2);
    assert.equal(liveJobsNamed(label).length, 2, 'two blocks, no more: 4 cores for 4 cores asked');
    execFileSync('touch', [gate]);
    const outs = await Promise.all(futures);
    assert.deepEqual(outs.map((o) => readFileSync((o.out as { path: string }).path, 'utf8').trim()), ['a', 'b']);
  });

  test('blocks still queued in Slurm are cancelled once no work needs them', async () => {
    label = uniqueLabel('queued');
    // --begin keeps the blocks PENDING in Slurm. Two one-worker tasks call for two blocks; once the
    // tasks are cancelled, with min_blocks 0, neither is needed.
    run = await startOnSlurm(label, { initBlocks: 0, minBlocks: 0, maxBlocks: 2, schedulerOptions: '#SBATCH --begin=now+1hour' }, { strategy: { periodSec: 0.5, maxIdleTimeSec: 600 } });
    const abort = new AbortController();
    const tasks = [1, 2].map((taskId) => run!.executor.submit({ taskId, attempt: 0, spec: { kind: 'bash', command: 'true' } }, abort.signal).catch(() => undefined));
    await pollUntil('both blocks listed', () => (liveJobsNamed(label).length === 2 ? true : undefined), 30_000);
    assert.ok(liveJobsNamed(label).every((job) => job.state === 'PENDING'));
    abort.abort(new Error('no longer needed'));
    await Promise.all(tasks);
    // max_idle_time is 10 minutes: only the rule for queued blocks can remove them this soon.
    await pollUntil('the queued blocks to leave squeue', () => (liveJobsNamed(label).length === 0 ? true : undefined), 30_000);
    // The strategy logs its round once both cancels returned (squeue may show them gone a moment before).
    await pollUntil('the scale-in logged', () => (/scaled in queued or idle block\(s\) (0, 1|1, 0) toward 0/.test(readFileSync(run!.dfk.logPath, 'utf8')) ? true : undefined), 10_000);
  });

  test('the simulated cluster runs 8 exclusive blocks at once, one per node', async () => {
    label = uniqueLabel('eight');
    run = await startOnSlurm(label, { initBlocks: 0, minBlocks: 0, maxBlocks: 8, exclusive: true });
    const gate = join(scratchDir('eight-gate'), 'open');
    const hold = bashApp(() => `while [ ! -e ${gate} ]; do sleep 0.1; done`, { name: 'hold', dfk: run.dfk });
    const futures = Array.from({ length: 8 }, () => hold({}));
    const nodes = await pollUntil('8 blocks of ours RUNNING', () => {
      const out = execFileSync('squeue', ['--noheader', '--states=RUNNING', '--format=%j|%N'], { encoding: 'utf8' });
      const mine = out.split('\n').filter((line) => line.includes(label)).map((line) => line.split('|')[1] ?? '');
      return mine.length === 8 ? mine : undefined;
    }, 90_000);
    assert.equal(new Set(nodes).size, 8, `one node each: ${nodes.join(', ')}`);
    execFileSync('touch', [gate]);
    await Promise.all(futures);
  });

  test('the srun launcher starts one pool per node of a two-node block', async () => {
    label = uniqueLabel('nodes');
    run = await startOnSlurm(label, { initBlocks: 1, maxBlocks: 1, nodesPerBlock: 2, launcher: new SrunLauncher() });
    const gate = join(scratchDir('nodes-gate'), 'open');
    // Each task holds its pool's only worker until both started, so each pool runs one.
    const where = bashApp((a: { i: number }) => `touch ${gate}.${a.i}; while [ ! -e ${gate}.0 ] || [ ! -e ${gate}.1 ]; do sleep 0.1; done; echo "$SLURMD_NODENAME $SLURM_JOB_ID"`, { name: 'node', dfk: run.dfk });
    const outs = [0, 1].map((i) => join(run!.dir, `node${i}`));
    await Promise.all(outs.map((stdout, i) => where({ i }, { stdout })));
    const lines = outs.map((out) => readFileSync(out, 'utf8').trim().split(' '));
    const [jobId] = liveJobsNamed(label).map((job) => job.id);
    assert.deepEqual(lines.map(([, job]) => job), [jobId, jobId], 'both in the one block');
    assert.notEqual(lines[0]?.[0], lines[1]?.[0], `the two pools ran on different nodes: ${lines.map((l) => l[0]).join(', ')}`);
    const pools = run.executor.managers().filter((m) => m.blockId === '0');
    assert.equal(pools.length, 2);
  });

  test('drain before walltime: no task lost, and a task that outlives its block is retried with PCWL_BLOCK_WALLTIME named', { timeout: 240_000 }, async () => {
    label = uniqueLabel('drain');
    // A one-minute block (Slurm's shortest) whose pool stops taking tasks 30 s before the end.
    run = await startOnSlurm(label, { initBlocks: 1, minBlocks: 1, maxBlocks: 2, walltime: '00:01:00' }, { drainBeforeWalltimeSec: 30, strategy: { periodSec: 0.5, maxIdleTimeSec: 600 } }, 1);
    const marks = scratchDir('drain-marks');
    const tries = join(marks, 'tries');
    // The first try runs past its block's end; a try in any other block finishes at once.
    const long = bashApp(() => `first=$(head -n 1 ${tries} 2>/dev/null); echo "$SLURM_JOB_ID" >> ${tries}; if [ -z "$first" ] || [ "$first" = "$SLURM_JOB_ID" ]; then sleep 600; fi`, { name: 'long', dfk: run.dfk });
    const quick = bashApp(() => 'echo "$SLURM_JOB_ID"', { name: 'quick', dfk: run.dfk });
    const longFuture = long({});
    const firstJob = await pollUntil('the long task to start', () => (existsSync(tries) ? readFileSync(tries, 'utf8').trim() || undefined : undefined), 60_000);
    // Once the first block drains, new work goes to its replacement, not to it.
    await pollUntil('the first block to drain', () => (readFileSync(run!.dfk.logPath, 'utf8').includes('block 1 submitted') ? true : undefined), 90_000);
    const quickOut = join(marks, 'quick');
    await quick({}, { stdout: quickOut });
    assert.notEqual(readFileSync(quickOut, 'utf8').trim(), firstJob, 'a task submitted during the drain ran on the replacement block');
    const result = await longFuture;
    assert.equal(result.exitCode, 0);
    const jobs = readFileSync(tries, 'utf8').trim().split('\n');
    assert.equal(jobs.length, 2, `tries ran in jobs ${jobs.join(', ')}`);
    assert.notEqual(jobs[1], firstJob);
    const log = readFileSync(run.dfk.logPath, 'utf8');
    assert.match(log, /failed try 1 .*PCWL_BLOCK_WALLTIME.*task \d+ was still running when its block 0 reached its walltime of 60 s/);
    // The pool left before Slurm's time limit: the block ended on its own, not TIMEOUT.
    await pollUntil('block 0 to end', () => (/block 0 \(job \d+\) ended: (\w+)/.exec(readFileSync(run!.dfk.logPath, 'utf8')) ?? undefined), 30_000).then((m) => assert.equal(m[1], 'COMPLETED'));
  });
});
