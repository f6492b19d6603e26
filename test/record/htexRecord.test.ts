/**
 * The run record on the HighThroughputExecutor (docs/run-record.md): a scattered workflow run by
 * the CLI on a local pool records each step instance with its worker, pool and block, and the
 * block's life; a worker killed mid-task shows as a lost try and its retry. Real interchange,
 * pools and workers over CurveZMQ.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path, { join } from 'node:path';
import { test } from 'node:test';
import { bashApp, DataFlowKernel } from '../../src/dataflow/index.js';
import { readRunRecord } from '../../src/dataflow/record/index.js';
import { EXAMPLES, HTEX_LOCAL_CONFIG, runCli, tempDir } from '../cli/cliHarness.js';
import { freshRunDir, makeHtex, until } from '../htex/helpers.js';

const FIXTURES = path.resolve(EXAMPLES, '../test/workflow/fixtures');

test('a scattered workflow on HTEX records each task with its worker, pool and block, and the block', async () => {
  const cwd = await tempDir('pcwl-rec-cwd-');
  const state = await tempDir('pcwl-rec-state-');
  const config = join(state, 'htex.yml');
  writeFileSync(config, HTEX_LOCAL_CONFIG);
  const messages = ['a', 'b', 'c', 'd'].flatMap((m) => ['--messages', m]);
  const r = await runCli(['--quiet', '--outdir', cwd, '--config', config, path.join(FIXTURES, 'linear.cwl'), ...messages], {
    cwd,
    env: { ...process.env, XDG_STATE_HOME: state, XDG_CACHE_HOME: join(state, 'cache') },
  });
  assert.equal(r.code, 0, r.stderr);
  const runs = join(state, 'parsl-cwl', 'runs');
  const rec = await readRunRecord(join(runs, readdirSync(runs)[0]!));
  assert.equal(rec.run.executor, 'htex');
  assert.equal(rec.tasks.length, 6, 'four echo instances, cat, wc');
  for (const t of rec.tasks) {
    assert.equal(t.executor, 'htex');
    assert.equal(t.block, '0');
    assert.ok(t.manager && t.worker?.startsWith(`${t.manager}/w`), JSON.stringify(t));
    assert.ok(t.startedAt! >= t.launchedAt! - 1000 && t.endedAt! >= t.startedAt!, 'worker clock close to ours: one machine');
    assert.ok(t.commandLine && t.wallMs !== undefined && t.maxRssKb! > 0, JSON.stringify(t));
  }
  assert.deepEqual(
    rec.tasks.filter((t) => t.step === 'echo').map((t) => t.scatterIndex![0]).sort(),
    [0, 1, 2, 3],
  );
  assert.equal(rec.blocks.length, 1);
  const b = rec.blocks[0]!;
  assert.equal(b.id, '0');
  assert.equal(b.executor, 'htex');
  assert.equal(b.provider, 'local');
  assert.equal(b.state, 'ended');
  assert.ok(b.jobId && b.runningAt! >= b.submittedAt && b.endedAt! >= b.runningAt!, JSON.stringify(b));
});

/** A command that records the worker process running it, then hangs on its first try (test/htex/faults.test.ts). */
function hangOnFirstTry(dir: string, name: string): string {
  const seen = join(dir, `${name}.tries`);
  const worker = `w=$PPID; while [ "$w" -gt 1 ] && ! tr '\\0' ' ' < /proc/$w/cmdline | grep -q workerMain; do w=$(cut -d' ' -f4 /proc/$w/stat); done`;
  return `${worker}; echo $w >> ${seen}; if [ $(wc -l < ${seen}) -ge 2 ]; then exit 0; fi; sleep 60`;
}

test('a worker killed mid-task shows as a lost try on its worker, then the retry', async () => {
  const dir = freshRunDir();
  const dfk = await DataFlowKernel.load({ executors: [makeHtex()], retries: 1, runDir: join(dir, 'runinfo') });
  try {
    const app = bashApp((d: string) => hangOnFirstTry(d, 'k'), { name: 'hang_once', dfk });
    const future = app(dir);
    const file = join(dir, 'k.tries');
    const pid = await until(() => (existsSync(file) ? Number(readFileSync(file, 'utf8').split('\n')[0]) || undefined : undefined), 30_000, 'the task to start');
    process.kill(pid, 'SIGKILL');
    assert.equal((await future.result()).exitCode, 0);
  } finally {
    await dfk.shutdown();
  }
  const rec = await readRunRecord(dfk.runDir);
  const [t] = rec.tasks;
  assert.equal(t!.state, 'exec_done');
  assert.equal(t!.tries, 2);
  const [lost, ok] = t!.attempts;
  assert.equal(lost!.outcome, 'lost');
  assert.equal(lost!.errorCode, 'PCWL_WORKER_LOST');
  assert.ok(lost!.worker && lost!.block === '0', JSON.stringify(lost));
  assert.equal(ok!.outcome, 'ok');
  assert.ok(ok!.worker && ok!.endedAt! >= lost!.endedAt!, JSON.stringify(ok));
});
