/**
 * The run command with containers: engine flags, --no-container, --default-container, the config's
 * `containers:` section, no engine on PATH (exit 33 for a requirement, a warning and a host run for
 * a hint), and Ctrl-C leaving no container running.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BIN, fixture, runCli, tempDir } from '../cli/cliHarness.js';
import { IMAGE, assertPodmanWorks, containerTestOptions, containersNamed } from './podmanGate.js';

/** Prints `in` inside a podman container, `host` outside (podman writes /run/.containerenv in each). */
const WHERE = (reqs: string) => `cwlVersion: v1.2
class: CommandLineTool
${reqs}
baseCommand: [/bin/sh, -c, 'test -e /run/.containerenv && echo in || echo host']
inputs: []
stdout: where.txt
outputs:
  where: {type: File, outputBinding: {glob: where.txt}}
`;
const HINTED = WHERE(`hints:\n  DockerRequirement: {dockerPull: ${IMAGE}}`);
const REQUIRED = WHERE(`requirements:\n  DockerRequirement: {dockerPull: ${IMAGE}}`);
const PLAIN = WHERE('');

async function where(stdout: string): Promise<string> {
  const out = JSON.parse(stdout) as { where: { path: string } };
  return (await readFile(out.where.path, 'utf8')).trim();
}

/** A PATH with node and nothing else: no container engine on it. */
async function pathWithoutEngines(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pcwl-noengine-'));
  await symlink(process.execPath, path.join(dir, 'node'));
  return dir;
}

describe('parsl-cwl with containers', containerTestOptions, () => {
  const pids: number[] = [];
  before(() => assertPodmanWorks());
  after(() => {
    for (const pid of pids) assert.deepEqual(containersNamed(`parsl-cwl-${pid}-`), [], 'containers of ours left behind');
  });

  test('the run record names the image a tool ran in (TaskRow.image), and no image for a host run', async () => {
    const { readRunRecord } = await import('../../src/dataflow/index.js');
    const dir = await fixture({ 't.cwl': HINTED });
    const inRun = await tempDir();
    const ran = await runCli(['--quiet', '--run-dir', inRun, '--outdir', await tempDir(), 't.cwl'], { cwd: dir });
    assert.equal(ran.code, 0, ran.stderr);
    const inRecord = await readRunRecord(inRun);
    assert.equal(inRecord.tasks.length, 1);
    assert.match(inRecord.tasks[0]?.image ?? '', /debian:stable-slim/);
    const hostRun = await tempDir();
    const host = await runCli(['--quiet', '--no-container', '--run-dir', hostRun, '--outdir', await tempDir(), 't.cwl'], { cwd: dir });
    assert.equal(host.code, 0, host.stderr);
    assert.equal((await readRunRecord(hostRun)).tasks[0]?.image, undefined);
  });

  test('a hint runs in the engine found on PATH; --no-container runs it on the host; --podman names the engine', async () => {
    const dir = await fixture({ 't.cwl': HINTED });
    const auto = await runCli(['--quiet', '--outdir', await tempDir(), 't.cwl'], { cwd: dir });
    assert.equal(auto.code, 0, auto.stderr);
    assert.equal(await where(auto.stdout), 'in');
    const off = await runCli(['--quiet', '--no-container', '--outdir', await tempDir(), 't.cwl'], { cwd: dir });
    assert.equal(off.code, 0, off.stderr);
    assert.equal(await where(off.stdout), 'host');
    const podman = await runCli(['--quiet', '--podman', '--outdir', await tempDir(), 't.cwl'], { cwd: dir });
    assert.equal(podman.code, 0, podman.stderr);
    assert.equal(await where(podman.stdout), 'in');
    const both = await runCli(['--podman', '--no-container', 't.cwl'], { cwd: dir });
    assert.equal(both.code, 2);
  });

  test('--default-container runs a tool without DockerRequirement in that image; the config section does the same', async () => {
    const dir = await fixture({ 't.cwl': PLAIN, 'c.yml': `containers:\n  engine: podman\n  default_container: ${IMAGE}\n` });
    const flag = await runCli(['--quiet', '--default-container', IMAGE, '--outdir', await tempDir(), 't.cwl'], { cwd: dir });
    assert.equal(flag.code, 0, flag.stderr);
    assert.equal(await where(flag.stdout), 'in');
    const config = await runCli(['--quiet', '--config', 'c.yml', '--outdir', await tempDir(), 't.cwl'], { cwd: dir });
    assert.equal(config.code, 0, config.stderr);
    assert.equal(await where(config.stdout), 'in');
    // A flag wins over the config.
    const off = await runCli(['--quiet', '--no-container', '--config', 'c.yml', '--outdir', await tempDir(), 't.cwl'], { cwd: dir });
    assert.equal(off.code, 0, off.stderr);
    assert.equal(await where(off.stdout), 'host');
  });

  test('no engine on PATH: a required DockerRequirement exits 33 naming the engines and flags; a hint warns once and runs on the host', async () => {
    const dir = await fixture({ 'req.cwl': REQUIRED, 'hint.cwl': HINTED });
    const env = { ...process.env, PATH: await pathWithoutEngines() };
    const req = await runCli(['--outdir', await tempDir(), 'req.cwl'], { cwd: dir, env });
    assert.equal(req.code, 33, req.stderr);
    const lines = req.stderr.trim().split('\n');
    assert.equal(lines.length, 1, req.stderr);
    assert.match(lines[0] ?? '', /\[PCWL_UNSUPPORTED_REQUIREMENT\] DockerRequirement: no container engine found on PATH \(looked for podman, docker, apptainer, singularity\); install one, or choose one with --podman, --docker or --singularity/);
    const hint = await runCli(['--outdir', await tempDir(), 'hint.cwl'], { cwd: dir, env });
    assert.equal(hint.code, 0, hint.stderr);
    assert.equal(await where(hint.stdout), 'host');
    assert.equal(hint.stderr.match(/no container engine found on PATH/g)?.length, 1, hint.stderr);
  });

  test('Ctrl-C while a tool runs in a container: exit 130 and the container is gone', async () => {
    const dir = await fixture({ 'sleep.cwl': `cwlVersion: v1.2\nclass: CommandLineTool\nrequirements:\n  DockerRequirement: {dockerPull: ${IMAGE}}\nbaseCommand: [sleep, '300']\ninputs: []\noutputs: []\n` });
    const child = spawn(BIN, ['--quiet', '--outdir', await tempDir(), 'sleep.cwl'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const pid = child.pid as number;
    pids.push(pid);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = once(child, 'exit');
    // The runner's Node keeps the command's pid (bin/parsl-cwl execs it), and names its containers by it.
    const deadline = Date.now() + 60_000;
    while (containersNamed(`parsl-cwl-${pid}-`).length === 0) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the container never started: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    child.kill('SIGINT');
    const [code] = (await exited) as [number | null];
    assert.equal(code, 130, stderr);
    assert.deepEqual(containersNamed(`parsl-cwl-${pid}-`), []);
  });
});

