/**
 * `--preserve-environment` in Slurm blocks: the variable travels in the JobSpec, so the tool on a
 * Slurm-provisioned worker sees the runner's value. Runs with PARSL_CWL_SLURM=1 (slurmGate.ts).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertNoJobsLeft, assertSlurmWorks, scratchDir, slurmTestOptions, uniqueLabel } from './slurmGate.js';

const BIN = fileURLToPath(new URL('../../../bin/parsl-cwl', import.meta.url));
const TOOL = fileURLToPath(new URL('../../../test/cache/fixtures/env.cwl', import.meta.url));
const EXAMPLE_CONFIG = fileURLToPath(new URL('../../../cwl-examples/configs/slurm.yml', import.meta.url));

describe('--preserve-environment on Slurm', slurmTestOptions, () => {
  const labels: string[] = [];
  before(() => assertSlurmWorks());
  after(async () => {
    for (const label of labels) await assertNoJobsLeft(label);
  });

  test('the tool in a Slurm block gets the runner\'s value, and the cache serves a second run', async () => {
    const label = uniqueLabel('env');
    labels.push(label);
    const dir = scratchDir('env');
    const config = join(dir, 'slurm.yml');
    writeFileSync(
      config,
      readFileSync(EXAMPLE_CONFIG, 'utf8')
        .replace(/label: slurm-htex/, `label: ${label}`)
        .replace(/period: 5 /, 'period: 0.5 ')
        .replace(/# address: \S+/, 'address: 127.0.0.1'),
    );
    const run = async (out: string) => {
      const child = spawn(BIN, ['--config', config, '--preserve-environment', 'PCWL_SLURM_VALUE', '--cachedir', join(dir, 'cache'), '--outdir', join(dir, out), TOOL], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, PCWL_SLURM_VALUE: `runner-${process.pid}` },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const [code] = (await once(child, 'exit')) as [number | null];
      assert.equal(code, 0, stderr);
      return { text: readFileSync((JSON.parse(stdout) as { out: { path: string } }).out.path, 'utf8'), stderr };
    };
    const first = await run('a');
    assert.match(first.text, new RegExp(`^PCWL_SLURM_VALUE=runner-${process.pid}$`, 'm'));
    const second = await run('b');
    assert.match(second.stderr, /outputs reused from the cache/);
    assert.equal(second.text, first.text);
    await assertNoJobsLeft(label);
  });
});
