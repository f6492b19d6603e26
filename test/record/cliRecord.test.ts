/**
 * Where the run command keeps its record (docs/run-record.md#where-it-lives): the state folder, never
 * the folder it was started from; the newest --keep-runs runs; --run-dir. Real CLI processes.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { readRunRecord } from '../../src/dataflow/record/index.js';
import { EXAMPLES, runCli, tempDir } from '../cli/cliHarness.js';

const FIXTURES = path.resolve(EXAMPLES, '../test/workflow/fixtures');

function envWithState(state: string): NodeJS.ProcessEnv {
  return { ...process.env, XDG_STATE_HOME: state, XDG_CACHE_HOME: path.join(state, 'cache') };
}

test('a scattered workflow run records each step instance in the state folder and writes nothing into its cwd', async () => {
  const cwd = await tempDir('pcwl-rec-cwd-');
  const state = await tempDir('pcwl-rec-state-');
  const out = await tempDir('pcwl-rec-out-');
  const r = await runCli(['--outdir', out, path.join(FIXTURES, 'linear.cwl'), '--messages', 'a', '--messages', 'b', '--messages', 'c'], { cwd, env: envWithState(state) });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readdirSync(cwd), [], 'nothing written into the folder the CLI started from');
  const runs = path.join(state, 'parsl-cwl', 'runs');
  const [only, ...more] = readdirSync(runs);
  assert.equal(more.length, 0);
  const rec = await readRunRecord(path.join(runs, only!));
  assert.equal(rec.run.status, 'succeeded');
  assert.equal(rec.run.process, path.join(FIXTURES, 'linear.cwl'));
  assert.equal(rec.run.cwd, cwd);
  assert.deepEqual(rec.run.argv.slice(0, 3), ['parsl-cwl', '--outdir', out]);
  const echo = rec.tasks.filter((t) => t.step === 'echo').sort((a, b) => a.scatterIndex![0]! - b.scatterIndex![0]!);
  assert.deepEqual(echo.map((t) => t.scatterIndex), [[0], [1], [2]]);
  assert.deepEqual(echo.map((t) => t.commandLine), [['echo', 'a'], ['echo', 'b'], ['echo', 'c']]);
  for (const t of rec.tasks) {
    assert.equal(t.state, 'exec_done');
    assert.equal(t.kind, 'cwl');
    assert.equal(t.executor, 'local');
    assert.ok(t.jobDir && t.wallMs !== undefined && t.outputBytes !== undefined, JSON.stringify(t));
  }
  assert.equal(echo[0]!.outputBytes, 2, "echo a's out.txt");
  const wc = rec.tasks.find((t) => t.step === 'wc')!;
  assert.equal(wc.inputBytes, 6, 'cat/all: three lines of two bytes');
  assert.ok(wc.readyAt! >= Math.max(...echo.map((t) => t.endedAt!)));
  assert.deepEqual(rec.steps.map((s) => s.name).sort(), ['cat', 'echo', 'wc']);
  assert.deepEqual(rec.edges.map((e) => `${e.from}>${e.to}`).sort(), ['cat>wc', 'echo>cat']);
});

test('--keep-runs N keeps the newest N runs; --run-dir DIR puts the record there, and not over another one', async () => {
  const state = await tempDir('pcwl-rec-state-');
  const cwd = await tempDir('pcwl-rec-cwd-');
  const env = envWithState(state);
  const echo = [path.join(EXAMPLES, 'echo.cwl'), '--message', 'hi'];
  const runs = path.join(state, 'parsl-cwl', 'runs');
  mkdirSync(runs, { recursive: true });
  mkdirSync(path.join(runs, 'not-a-run'));
  const seen: string[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await runCli(['--quiet', '--outdir', cwd, '--keep-runs', '2', ...echo], { cwd, env });
    assert.equal(r.code, 0, r.stderr);
    seen.push(...readdirSync(runs).filter((n) => !seen.includes(n) && n !== 'not-a-run'));
  }
  assert.equal(seen.length, 3);
  assert.deepEqual(readdirSync(runs).sort(), [...seen.slice(1), 'not-a-run'].sort(), 'the oldest run went; a folder not named as a run stays');

  const dir = path.join(await tempDir('pcwl-rec-dir-'), 'mine');
  const r = await runCli(['--debug', '--outdir', cwd, '--run-dir', dir, ...echo], { cwd, env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`run record: ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\n`));
  const rec = await readRunRecord(dir);
  assert.equal(rec.tasks.length, 1);
  assert.equal(rec.tasks[0]!.exitCode, 0);
  assert.equal(readdirSync(runs).length, 3, '--run-dir writes nothing to the state folder');
  const again = await runCli(['--outdir', cwd, '--run-dir', dir, ...echo], { cwd, env });
  assert.equal(again.code, 1);
  assert.match(again.stderr, /^parsl-cwl: error: \[PCWL_RUN_DIR_UNUSABLE\] cannot keep the run record in .*already holds a run record/m);
  assert.equal(again.stderr.trim().split('\n').length, 1, again.stderr);
});

test("a failed tool run's record says failed, with the command's exit code, error code and stderr tail", async () => {
  const state = await tempDir('pcwl-rec-state-');
  const cwd = await tempDir('pcwl-rec-cwd-');
  const dir = path.join(state, 'run');
  const r = await runCli(['--outdir', cwd, '--run-dir', dir, path.join(FIXTURES, 'fail.cwl'), '--message', 'x'], { cwd, env: envWithState(state) });
  assert.equal(r.code, 1);
  const rec = await readRunRecord(dir);
  assert.equal(rec.run.status, 'failed');
  const [t] = rec.tasks;
  assert.equal(t!.state, 'failed');
  assert.equal(t!.exitCode, 3);
  assert.equal(t!.errorCode, 'PCWL_TOOL_FAILED');
  assert.match(t!.stderrTail ?? '', /boom: x is broken/);
  assert.deepEqual(t!.attempts.map((a) => a.outcome), ['failed']);
});
