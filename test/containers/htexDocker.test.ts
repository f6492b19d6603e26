/**
 * Container steps on HTEX worker pools with Docker (the podman cases are in htexSlurm.test.ts): a
 * scattered step runs in dockerd's containers on the workers, and Ctrl-C removes the running one.
 * Docker on Slurm blocks is not tested: the same code path, and the local cluster runs podman.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BIN, HTEX_LOCAL_CONFIG, fixture, runCli, tempDir } from '../cli/cliHarness.js';
import { pollUntil } from '../slurm/slurmGate.js';
import { BASE_IMAGE, NONCE, engineGate } from './engineGate.js';
import { scatterWorkflow } from './podmanGate.js';

const docker = engineGate('docker');

/** Our containers in any state: running, exited or created alike mean one was not removed. */
function ours(): string[] {
  const out = execFileSync(docker.exe(), ['ps', '--all', '--filter', `label=pcwl-test=${NONCE}`, '--format', '{{.Names}} {{.Status}}'], { encoding: 'utf8', timeout: 60_000 });
  return out.split('\n').filter((l) => l.trim() !== '');
}

const FILES = {
  ...scatterWorkflow(BASE_IMAGE, '/.dockerenv'),
  'htex.yml': `${HTEX_LOCAL_CONFIG}containers:\n  engine: docker\n  extra_args: [--label, pcwl-test=${NONCE}]\n`,
};

describe('container steps on HTEX worker pools, Docker', docker.options, () => {
  after(() => assert.deepEqual(ours(), [], 'containers of ours left behind'));

  test('a scattered container step runs in Docker on the workers', async () => {
    const dir = await fixture(FILES);
    await writeFile(path.join(dir, 'job.yml'), 'words: [a, b, c]\n');
    const r = await runCli(['--quiet', '--config', 'htex.yml', '--outdir', await tempDir(), 'wf.cwl', 'job.yml'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const outs = (JSON.parse(r.stdout) as { outs: Array<{ path: string }> }).outs.map((o) => readFileSync(o.path, 'utf8').trim());
    assert.deepEqual(outs, ['in a', 'in b', 'in c']);
  });

  test('Ctrl-C while a Docker step runs on a worker: exit 130 and the container is removed', async () => {
    const dir = await fixture(FILES);
    const child = spawn(BIN, ['--quiet', '--config', 'htex.yml', '--outdir', await tempDir(), 'sleep.cwl'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = once(child, 'exit') as Promise<[number | null]>;
    await pollUntil('the container to start on a worker', () => (child.exitCode === null ? (ours().length > 0 ? true : undefined) : Promise.reject(new Error(stderr))), 60_000, 100);
    child.kill('SIGINT');
    const [code] = await exited;
    assert.equal(code, 130, stderr);
    assert.deepEqual(ours(), []);
  });
});
