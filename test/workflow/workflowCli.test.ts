/**
 * Workflows through the real `parsl-cwl` command: real tools (echo, cat, wc, sh), real files, the
 * real kernel and LocalExecutor. Each test pins one rule of Workflow.yml or of issue 5.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, watch } from 'node:fs';
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI, runCli, tempDir, type CliResult } from '../cli/cliHarness.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** dist/test/workflow → <repo>/test/workflow/fixtures */
const FIXTURES = path.resolve(here, '../../../test/workflow/fixtures');

interface WorkflowRun extends CliResult {
  outdir: string;
  outputs: Record<string, unknown>;
}

async function runWorkflow(doc: string, job: Record<string, unknown>, extraArgs: string[] = []): Promise<WorkflowRun> {
  const dir = await tempDir('pcwl-wf-test-');
  const outdir = path.join(dir, 'out');
  const jobFile = path.join(dir, 'job.json');
  await writeFile(jobFile, JSON.stringify(job));
  const r = await runCli(['--quiet', '--outdir', outdir, ...extraArgs, path.join(FIXTURES, doc), jobFile], { cwd: dir });
  let outputs: Record<string, unknown> = {};
  if (r.code === 0) outputs = JSON.parse(r.stdout) as Record<string, unknown>;
  return { ...r, outdir, outputs };
}

function ok(r: WorkflowRun): void {
  assert.equal(r.code, 0, `exit ${r.code}; stderr:\n${r.stderr}`);
}

test('a step starts when the step it reads from finished: echo (scattered) -> cat -> wc', async () => {
  const r = await runWorkflow('linear.cwl', { messages: ['a', 'b', 'c'] });
  ok(r);
  assert.equal(r.outputs.lines, 3);
  const text = r.outputs.text as { path: string; basename: string };
  assert.equal(path.dirname(text.path), r.outdir, 'final outputs are moved into --outdir');
  assert.equal(readFileSync(text.path, 'utf8'), 'a\nb\nc\n');
});

test('scatterMethod dotproduct, nested_crossproduct and flat_crossproduct shape the outputs', async () => {
  const r = await runWorkflow('scatter-methods.cwl', { a: ['a1', 'a2'], b: ['b1', 'b2'] });
  ok(r);
  assert.deepEqual(r.outputs, {
    dot: ['a1 b1', 'a2 b2'],
    nested: [
      ['a1 b1', 'a1 b2'],
      ['a2 b1', 'a2 b2'],
    ],
    flat: ['a1 b1', 'a1 b2', 'a2 b1', 'a2 b2'],
  });
});

test('scattering over an empty array runs nothing and gives empty outputs', async () => {
  const r = await runWorkflow('scatter-methods.cwl', { a: [], b: [] });
  ok(r);
  assert.deepEqual(r.outputs, { dot: [], nested: [], flat: [] });
});

test('dotproduct over arrays of different lengths fails naming the step and both inputs', async () => {
  const r = await runWorkflow('scatter-methods.cwl', { a: ['a1', 'a2'], b: ['b1'] });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /PCWL_WORKFLOW_STEP_FAILED/);
  assert.match(r.stderr, /step 'by_dot'/);
  assert.match(r.stderr, /'x' has 2 items, 'y' has 1/);
});

test('several sources merge nested by default, flattened on request; outputSource lists merge too', async () => {
  const r = await runWorkflow('merge.cwl', { first: ['x', 'y'], second: 'z' });
  ok(r);
  assert.deepEqual(r.outputs, { nested: [['x', 'y'], 'z'], flattened: ['x', 'y', 'z'], both: ['x', 'y', 'z'] });
});

test('when skips instances (null in the gathered array); pickValue picks among sources', async () => {
  const big = await runWorkflow('conditional.cwl', { numbers: [1, 2, 4], use_big: true });
  ok(big);
  assert.deepEqual(big.outputs, { evens: [null, 2, 4], evens_only: [2, 4], chosen: 'big' });
  const small = await runWorkflow('conditional.cwl', { numbers: [1], use_big: false });
  ok(small);
  assert.deepEqual(small.outputs, { evens: [null], evens_only: [], chosen: 'small' });
});

test('pickValue the_only_non_null with two non-null sources fails the step, naming it and the input', async () => {
  const r = await runWorkflow('pick-fail.cwl', { a: 'x', b: 'y' });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /PCWL_WORKFLOW_STEP_FAILED/);
  assert.match(r.stderr, /PCWL_PICK_VALUE_FAILED/);
  assert.match(r.stderr, /step 'pick' input 'value'/);
});

test('valueFrom sees the scattered element as self and the pre-valueFrom inputs; undeclared step inputs are usable there', async () => {
  const r = await runWorkflow('valuefrom.cwl', { names: ['ann', 'bob'], greeting: 'hi' });
  ok(r);
  assert.deepEqual(r.outputs, { greetings: ['hi, ann ANN', 'hi, bob BOB'] });
});

test('a scattered inline subworkflow runs its own steps per instance, also for an empty group', async () => {
  const r = await runWorkflow('subworkflow.cwl', { groups: [['a', 'b'], ['c'], []] });
  ok(r);
  assert.deepEqual(r.outputs, { counts: [2, 1, 0] });
});

test("requirements: the workflow's EnvVarRequirement beats the tool's hint, the step's beats the workflow's", async () => {
  const r = await runWorkflow('env-inherit.cwl', {});
  ok(r);
  assert.deepEqual(r.outputs, { wf_level: 'from-workflow', step_level: 'from-step' });
});

test('a step running an abstract Operation exits 33 (unsupported) before anything runs', async () => {
  const r = await runWorkflow('operation.cwl', { x: 'a' });
  assert.equal(r.code, 33, r.stderr);
  assert.match(r.stderr, /Operation/);
});

test('a failing scatter instance is named with its index and stderr; finished steps keep their outputs', async () => {
  const r = await runWorkflow('fail-later.cwl', { messages: ['ok', 'bad', 'fine'] });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /PCWL_WORKFLOW_STEP_FAILED/);
  assert.match(r.stderr, /step 'second\[1\]' failed/);
  assert.match(r.stderr, /boom: cannot echo bad/);
  const kept = /job folders of the steps that ran, with the outputs of those that finished, are in (\S+)/.exec(r.stderr);
  assert.ok(kept, `stderr names the kept folder:\n${r.stderr}`);
  const jobsDir = kept[1]!;
  // A step's job folder is its output folder; its stderr log is beside it.
  assert.equal(await readFile(path.join(jobsDir, 'first', 'out.txt'), 'utf8'), 'first-step-output\n');
  assert.equal(await readFile(path.join(jobsDir, 'second_0', 'out.txt'), 'utf8'), 'ok\n');
  assert.match(await readFile(path.join(jobsDir, 'second_1+tool.stderr.log'), 'utf8'), /boom: cannot echo bad/);
});

test('independent steps run at the same time (each waits for the other to start)', async (t) => {
  if (availableParallelism() < 2) {
    t.skip('the LocalExecutor runs one job per core and this machine has one core');
    return;
  }
  const dir = await tempDir('pcwl-rendezvous-');
  const r = await runWorkflow('rendezvous.cwl', { dir });
  ok(r);
  const log = (await readFile(path.join(dir, 'log'), 'utf8')).trim().split('\n');
  assert.deepEqual(log.slice(0, 2).sort(), ['start a', 'start b']);
});

test('--serial runs one tool job at a time', async () => {
  const dir = await tempDir('pcwl-serial-');
  await mkdir(dir, { recursive: true });
  const r = await runWorkflow('serial-log.cwl', { dir, names: ['a', 'b', 'c'] }, ['--serial']);
  ok(r);
  const log = (await readFile(path.join(dir, 'log'), 'utf8')).trim().split('\n');
  assert.equal(log.length, 6);
  for (let i = 0; i < 6; i += 2) {
    const name = log[i]!.split(' ')[1];
    assert.deepEqual([log[i], log[i + 1]], [`start ${name}`, `end ${name}`], `no interleaving: ${log.join(' | ')}`);
  }
});

test('SIGINT stops a running workflow: exit 130 and the running tool is killed', async () => {
  const dir = await tempDir('pcwl-interrupt-');
  const jobFile = path.join(dir, 'job.json');
  await writeFile(jobFile, JSON.stringify({ dir }));
  const started = new Promise<void>((resolve) => {
    const w = watch(dir, () => {
      if (existsSync(path.join(dir, 'pid'))) {
        w.close();
        resolve();
      }
    });
  });
  const child = spawn(process.execPath, [CLI, '--quiet', '--outdir', path.join(dir, 'out'), path.join(FIXTURES, 'sleep-wf.cwl'), jobFile], { cwd: dir, stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await started;
  const toolPid = Number(readFileSync(path.join(dir, 'pid'), 'utf8'));
  child.kill('SIGINT');
  assert.equal(await exited, 130);
  assert.throws(() => process.kill(toolPid, 0), /ESRCH/, 'the tool process is gone');
});

test('the image example: generate -> resize -> blur/annotate -> montage (ImageMagick)', async (t) => {
  if (!existsSync('/usr/bin/convert') && !existsSync('/usr/bin/magick')) {
    t.skip('ImageMagick is not installed (apt-get install -y imagemagick; .ci/run installs it)');
    return;
  }
  const examples = path.resolve(here, '../../../cwl-examples/images');
  const dir = await tempDir('pcwl-images-');
  const r = await runCli(['--quiet', '--outdir', dir, path.join(examples, 'pipeline.cwl'), path.join(examples, 'pipeline-job.yml')], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { generated: Array<{ path: string }>; annotated: Array<{ path: string }>; montage: { path: string; size: number } };
  assert.equal(out.generated.length, 6);
  assert.equal(out.annotated.length, 6);
  const png = readFileSync(out.montage.path);
  assert.deepEqual([...png.subarray(1, 4)], [...Buffer.from('PNG')], 'the montage is a PNG');
  // 3 columns x 2 rows of 160x120 tiles with a 4-pixel border: the IHDR width/height.
  assert.equal(png.readUInt32BE(16), 3 * (160 + 8));
  assert.equal(png.readUInt32BE(20), 2 * (120 + 8));
});
