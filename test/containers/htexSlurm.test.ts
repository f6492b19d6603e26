/**
 * Container steps away from the submitting process: a scattered workflow whose step runs in podman,
 * on HTEX worker pools (LocalProvider) and on Slurm-provisioned pools (the local test cluster,
 * PARSL_CWL_SLURM=1); Ctrl-C on HTEX and on Slurm removes the running container (none is left, in any state). The container settings reach
 * the workers in the JobSpec; a label passed with the config's `extra_args` finds our containers.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BIN, HTEX_LOCAL_CONFIG, fixture, runCli, tempDir } from '../cli/cliHarness.js';
import { assertNoJobsLeft, assertSlurmWorks, pollUntil, slurmTestOptions, uniqueLabel } from '../slurm/slurmGate.js';
import { execFileSync } from 'node:child_process';
import { IMAGE, assertPodmanWorks, containerTestOptions, containersLabelled, scatterWorkflow } from './podmanGate.js';

const TAG = `t${process.pid}x${Math.random().toString(36).slice(2, 8)}`;
/**
 * This test's containers in any state (`podman ps --all --filter label=parsl-cwl`, narrowed to the
 * test's own label so containers of tests running alongside do not count): running, exited or
 * created alike mean one was not removed.
 */
function leftBehind(): string[] {
  const out = execFileSync('podman', ['ps', '--all', '--filter', 'label=parsl-cwl', '--filter', `label=pcwl-test=${TAG}`, '--format', '{{.Names}} {{.Status}}'], { encoding: 'utf8', timeout: 60_000 });
  return out.split('\n').filter((l) => l.trim() !== '');
}

const containers = (extra = `    extra_args: [--label, pcwl-test=${TAG}]\n`) => `containers:\n  engine: podman\n${extra}`;

const HTEX = HTEX_LOCAL_CONFIG;

async function outputs(stdout: string): Promise<string[]> {
  const outs = (JSON.parse(stdout) as { outs: Array<{ path: string }> }).outs;
  return outs.map((o) => readFileSync(o.path, 'utf8').trim());
}

describe('container steps on HTEX worker pools', containerTestOptions, () => {
  before(() => assertPodmanWorks());
  after(() => assert.deepEqual(containersLabelled('pcwl-test', TAG), [], 'containers of ours left behind'));

  test('a scattered container step runs in podman on the workers', async () => {
    const dir = await fixture({ ...scatterWorkflow(IMAGE), 'htex.yml': HTEX + containers().replace(/^ {4}/m, '  ') });
    await writeFile(path.join(dir, 'job.yml'), 'words: [a, b, c]\n');
    const r = await runCli(['--quiet', '--config', 'htex.yml', '--outdir', await tempDir(), 'wf.cwl', 'job.yml'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await outputs(r.stdout), ['in a', 'in b', 'in c']);
  });

  test('Ctrl-C while a container step runs on a worker: exit 130 and the container is removed', async () => {
    const dir = await fixture({ ...scatterWorkflow(IMAGE), 'htex.yml': HTEX + containers().replace(/^ {4}/m, '  ') });
    const child = spawn(BIN, ['--quiet', '--config', 'htex.yml', '--outdir', await tempDir(), 'sleep.cwl'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = once(child, 'exit') as Promise<[number | null]>;
    // Once podman lists the container (it carries this test's label), not after a fixed sleep.
    await pollUntil('the container to start on a worker', () => (child.exitCode === null ? (containersLabelled('pcwl-test', TAG).length > 0 ? true : undefined) : Promise.reject(new Error(stderr))), 60_000, 100);
    child.kill('SIGINT');
    const [code] = await exited;
    assert.equal(code, 130, stderr);
    // The run exits after the worker answered for the cancelled task, which it does once the
    // container is removed: nothing to wait for here.
    assert.deepEqual(leftBehind(), []);
  });
});

describe('container steps on Slurm-provisioned pools', { skip: containerTestOptions.skip || slurmTestOptions.skip }, () => {
  const labels: string[] = [];
  before(() => {
    assertPodmanWorks();
    assertSlurmWorks();
  });
  after(async () => {
    for (const label of labels) await assertNoJobsLeft(label);
    assert.deepEqual(containersLabelled('pcwl-test', TAG), []);
  });

  const slurmConfig = (label: string): string => `executor:
  type: htex
  label: ${label}
  workers_per_pool: 2
  address: 127.0.0.1
  provider:
    type: slurm
    walltime: "00:10:00"
    init_blocks: 1
    min_blocks: 0
    max_blocks: 1
    launcher: {type: single_node}
  strategy: {period: 0.5, max_idle_time: 60}
retries: 0
${containers().replace(/^ {4}/m, '  ')}`;

  test('Ctrl-C while a container step runs in a Slurm block: exit 130, the container removed (not only stopped), the block cancelled', async () => {
    const label = uniqueLabel('ctrint');
    labels.push(label);
    const dir = await fixture({ ...scatterWorkflow(IMAGE), 'slurm.yml': slurmConfig(label) });
    const child = spawn(BIN, ['--quiet', '--config', 'slurm.yml', '--outdir', await tempDir(), 'sleep.cwl'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = once(child, 'exit') as Promise<[number | null]>;
    const before = containersLabelled('pcwl-test', TAG).length;
    await pollUntil('the container to start in a Slurm block', () => (child.exitCode === null ? (containersLabelled('pcwl-test', TAG).length > before ? true : undefined) : Promise.reject(new Error(stderr))), 90_000, 100);
    child.kill('SIGINT');
    const [code] = await exited;
    assert.equal(code, 130, stderr);
    // The executor waited for the cancelled task's answer (sent once its container was removed)
    // before cancelling the block: scancel signalled neither the removal nor podman's monitor.
    assert.deepEqual(leftBehind(), []);
    await assertNoJobsLeft(label, 5_000);
  });

  test('a scattered container step runs in podman inside Slurm blocks', async () => {
    const label = uniqueLabel('ctr');
    labels.push(label);
    const dir = await fixture({ ...scatterWorkflow(IMAGE), 'slurm.yml': slurmConfig(label) });
    await writeFile(path.join(dir, 'job.yml'), 'words: [x, y]\n');
    const r = await runCli(['--quiet', '--config', 'slurm.yml', '--outdir', await tempDir(), 'wf.cwl', 'job.yml'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await outputs(r.stdout), ['in x', 'in y']);
    await assertNoJobsLeft(label);
  });
});
