/**
 * Workflow errors found when the document is loaded, through the real `parsl-cwl` command: no step
 * runs (the first step of each bad fixture touches a marker file) and nothing is left in the
 * --tmpdir-prefix folder. Valid links that widen a type still run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli, tempDir } from '../cli/cliHarness.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** dist/test/workflow → <repo>/test/workflow/fixtures */
const FIXTURES = path.resolve(here, '../../../test/workflow/fixtures');

interface BadRun {
  code: number | null;
  stderr: string;
  stdout: string;
  marker: string;
  tmpFolder: string;
}

async function runBad(doc: string, extra: string[] = []): Promise<BadRun> {
  const dir = await tempDir('pcwl-wfcheck-');
  const tmpFolder = path.join(dir, 'tmp');
  await mkdir(tmpFolder);
  const marker = path.join(dir, 'step-ran');
  const r = await runCli(['--tmpdir-prefix', path.join(tmpFolder, 'run-'), '--outdir', path.join(dir, 'out'), ...extra, path.join(FIXTURES, doc), '--marker', marker], {
    cwd: dir,
  });
  return { ...r, marker, tmpFolder };
}

/** One coded error line naming the file with a line number and the field; nothing ran or was kept. */
function failedAtLoad(r: BadRun, doc: string, field: string): void {
  assert.equal(r.code, 1, `exit ${r.code}; stderr:\n${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line, got:\n${r.stderr}`);
  assert.match(lines[0] as string, new RegExp(`^parsl-cwl: error: \\[PCWL_WORKFLOW_INVALID\\] \\S*${doc.replace('.', '\\.')}:\\d+, field '${field.replace(/\./g, '\\.')}': `));
  assert.equal(r.stdout, '');
  assert.equal(existsSync(r.marker), false, 'no step ran');
  assert.deepEqual(readdirSync(r.tmpFolder), [], 'no run folder was made or kept');
  assert.doesNotMatch(r.stderr, /job folders/);
}

test('a File connected to an int step input fails at load, before the step that makes the File runs', async () => {
  const r = await runBad('bad-file-to-int.cwl');
  failedAtLoad(r, 'bad-file-to-int.cwl', 'steps.count.in.n.source');
  assert.match(r.stderr, /source 'first\/out' gives File, which cannot be input 'n' of type int of step 'count'/);
  // Line 19 of the fixture is `n: first/out`.
  assert.match(r.stderr, /bad-file-to-int\.cwl:19,/);
});

test('a cycle fails at load naming the steps in it', async () => {
  const r = await runBad('bad-cycle.cwl');
  failedAtLoad(r, 'bad-cycle.cwl', 'steps.a');
  assert.match(r.stderr, /the steps form a cycle: a -> b -> a/);
});

test('a source naming an output the step does not produce fails at load', async () => {
  const r = await runBad('bad-missing-source.cwl');
  failedAtLoad(r, 'bad-missing-source.cwl', 'steps.count.in.files.source');
  assert.match(r.stderr, /step 'first' has no output 'nothing'/);
});

test("a step 'out' naming an output its tool does not declare fails at load", async () => {
  const r = await runBad('bad-unknown-out.cwl');
  failedAtLoad(r, 'bad-unknown-out.cwl', 'steps.first.out');
  assert.match(r.stderr, /lists output 'log', which its process does not declare \(out\)/);
});

test('--validate reports the same error and exits 1', async () => {
  const r = await runCli(['--validate', path.join(FIXTURES, 'bad-file-to-int.cwl')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /PCWL_WORKFLOW_INVALID.*steps\.count\.in\.n\.source/);
  assert.doesNotMatch(r.stdout, /is valid/);
});

test('the error is the same when the document cache is in use (a second run of the same document)', async () => {
  const first = await runBad('bad-file-to-int.cwl');
  const second = await runBad('bad-file-to-int.cwl');
  failedAtLoad(second, 'bad-file-to-int.cwl', 'steps.count.in.n.source');
  assert.equal(second.stderr, first.stderr);
});

test('valid widening runs without a warning: scatter, merge_flattened, merge_nested, pickValue, default, valueFrom, Any', async () => {
  const dir = await tempDir('pcwl-wfcheck-');
  const outdir = path.join(dir, 'out');
  const r = await runCli(['--outdir', outdir, path.join(FIXTURES, 'widening.cwl'), '--words', 'a', '--words', 'b', '--one', 'x', '--num', '4', '--use_first'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /warning/);
  const out = JSON.parse(r.stdout) as Record<string, { path: string }>;
  const text = (k: string): string => readFileSync((out[k] as { path: string }).path, 'utf8');
  assert.equal(text('flat'), 'a\nb\nfallback\n');
  assert.equal(text('nested'), 'fallback\n');
  assert.equal(text('picked'), 'x\n');
  assert.equal(text('size'), '9\n'); // "fallback\n" is 9 bytes
  assert.equal(text('counted'), '4\n');
});
