/**
 * The runner itself on the local Slurm: `parsl-cwl --config slurm.yml workflow.cwl job.yml` runs a
 * scatter workflow on Slurm-provisioned HTEX pools, and Ctrl-C (SIGINT) mid-run exits 130 with every
 * block cancelled.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertNoJobsLeft, assertSlurmWorks, liveJobsNamed, pollUntil, scratchDir, slurmTestOptions, uniqueLabel } from './slurmGate.js';

// The installed command: its bundled run path loads the HTEX and Slurm code (zeromq, execa) lazily.
const BIN = fileURLToPath(new URL('../../../bin/parsl-cwl', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../../../test/slurm/fixtures/', import.meta.url));
const EXAMPLE_CONFIG = fileURLToPath(new URL('../../../cwl-examples/configs/slurm.yml', import.meta.url));

/** The example config with this test's label (so its jobs are ours alone) and a quick strategy. */
function configFor(label: string, dir: string): string {
  const text = readFileSync(EXAMPLE_CONFIG, 'utf8')
    .replace(/label: slurm-htex/, `label: ${label}`)
    .replace(/period: 5 /, 'period: 0.5 ')
    .replace(/# address: \S+/, 'address: 127.0.0.1');
  const file = join(dir, 'slurm.yml');
  writeFileSync(file, text);
  return file;
}

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('parsl-cwl --config slurm.yml', slurmTestOptions, () => {
  const labels: string[] = [];
  before(() => assertSlurmWorks());
  after(async () => {
    for (const label of labels) await assertNoJobsLeft(label);
  });

  test('runs a scatter workflow on Slurm blocks and leaves no job behind', async () => {
    const label = uniqueLabel('cli');
    labels.push(label);
    const dir = scratchDir('cli');
    const job = join(dir, 'job.yml');
    writeFileSync(job, 'words: [one, two, three, four]\n');
    const child = spawn(BIN, ['--quiet', '--config', configFor(label, dir), '--outdir', join(dir, 'out'), join(FIXTURES, 'scatter-on-slurm.cwl'), job], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    const exit: Exit = { code, stdout, stderr };
    assert.equal(exit.code, 0, exit.stderr);
    const outs = (JSON.parse(exit.stdout) as { outs: { path: string }[] }).outs;
    assert.equal(outs.length, 4);
    for (const out of outs) assert.match(readFileSync(out.path, 'utf8'), /^SLURM_JOB_ID=\d+\n/);
    // The block was cancelled at exit; Slurm may still list it as COMPLETING for a moment (its
    // processes being reaped). Anything else, or COMPLETING past the grace period, fails.
    await assertNoJobsLeft(label);
  });

  test('Ctrl-C mid-run exits 130 and cancels every block', async () => {
    const label = uniqueLabel('int');
    labels.push(label);
    const dir = scratchDir('sigint');
    const marker = join(dir, 'started');
    const child = spawn(BIN, ['--quiet', '--config', configFor(label, dir), '--outdir', join(dir, 'out'), join(FIXTURES, 'sleep-marker.cwl'), '--marker', marker], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = once(child, 'exit') as Promise<[number | null]>;
    await pollUntil('the tool to start on a Slurm worker', () => (existsSync(marker) ? true : undefined), 60_000);
    assert.equal(liveJobsNamed(label).length, 1);

    child.kill('SIGINT');
    const [code] = await exited;
    assert.equal(code, 130, stderr);
    // Cancelled by the runner itself before it exited: at most COMPLETING, gone within 5 s.
    await assertNoJobsLeft(label, 5_000);
  });
});
