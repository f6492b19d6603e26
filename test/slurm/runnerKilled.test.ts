/**
 * The user's process dies without shutting down (kill -9): its Slurm blocks must not linger until
 * their walltime. The interchange sees its parent gone and stops its pools; the pools' batch jobs
 * end and leave squeue.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { assertNoJobsLeft, assertSlurmWorks, liveJobsNamed, pollUntil, scratchDir, slurmTestOptions, uniqueLabel } from './slurmGate.js';

const RUNNER = fileURLToPath(new URL('./fixtures/runnerOnSlurm.js', import.meta.url));

describe('a runner killed with SIGKILL', slurmTestOptions, () => {
  const label = uniqueLabel('kill');
  before(() => assertSlurmWorks());
  after(() => assertNoJobsLeft(label));

  test('its blocks leave squeue within seconds, not at their walltime', async () => {
    const dir = scratchDir('killed');
    const child = spawn(process.execPath, [RUNNER, label, join(dir, 'runinfo')], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = once(child, 'exit');
    const lines = createInterface({ input: child.stdout });
    const [line] = (await Promise.race([once(lines, 'line'), exited.then(() => ['exited'])])) as string[];
    assert.match(line ?? '', /^ready \d+$/, 'the runner got a block up');
    const jobId = (line ?? '').split(' ')[1];
    assert.deepEqual(liveJobsNamed(label).map((job) => [job.id, job.state]), [[jobId, 'RUNNING']]);

    child.kill('SIGKILL');
    await exited;
    const started = Date.now();
    await pollUntil('the killed runner’s block to leave squeue', () => (liveJobsNamed(label).length === 0 ? true : undefined), 30_000);
    assert.ok(Date.now() - started < 30_000);
  });
});
