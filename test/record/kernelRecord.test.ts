/**
 * The run record of a DataFlowKernel program (docs/run-record.md): real bash tasks on the local
 * executor, read back with readRunRecord. Resource figures come from the process layer (wait4 via
 * the native spawner, wall time from the supervisor).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DataFlowKernel, bashApp } from '../../src/dataflow/index.js';
import { readRunRecord } from '../../src/dataflow/record/index.js';
import { tempDir } from '../dataflow/fixtures.js';

test('a program kernel records each task, its dependencies, retries and resource use in runinfo/NNN', async () => {
  const base = tempDir('pcwl-rec-');
  const dfk = await DataFlowKernel.load({ runDir: join(base, 'runinfo'), maxWorkers: 2 });
  const sleep = bashApp(() => 'sleep 0.3', { name: 'sleeper', dfk });
  // One process allocating and touching 150 MB: its peak RSS must show it.
  const hungry = bashApp(() => `exec ${JSON.stringify(process.execPath)} -e "Buffer.alloc(150 * 1024 * 1024, 1)"`, { name: 'hungry', dfk });
  const after = bashApp((x: { dep: unknown }) => `test -n "${String(x.dep !== undefined)}"`, { name: 'after', dfk });
  const flaky = bashApp(() => 'exit 3', { name: 'flaky', dfk, retries: 1 });
  const s = sleep({});
  const h = hungry({});
  const a = after({ dep: s });
  const f = flaky({});
  await Promise.all([s, h, a]);
  await assert.rejects(Promise.resolve(f));
  await dfk.shutdown();

  const rec = await readRunRecord(dfk.runDir);
  assert.equal(rec.dir, dfk.runDir);
  assert.equal(rec.run.status, 'failed', 'a task failed');
  assert.ok(rec.run.endedAt !== undefined && rec.run.endedAt >= rec.run.startedAt);
  assert.equal(rec.run.executor, 'local');
  const byName = new Map(rec.tasks.map((t) => [t.name, t]));
  const sr = byName.get('sleeper')!;
  assert.equal(sr.state, 'exec_done');
  assert.equal(sr.kind, 'bash');
  assert.equal(sr.executor, 'local');
  assert.equal(sr.exitCode, 0);
  assert.ok(sr.wallMs !== undefined && sr.wallMs >= 300, `sleep 0.3 took ${sr.wallMs} ms of wall time`);
  assert.ok(sr.cpuMs !== undefined && sr.cpuMs < 150, `sleep 0.3 used ${sr.cpuMs} ms of CPU`);
  assert.ok(sr.submittedAt <= sr.launchedAt! && sr.launchedAt! <= sr.startedAt! && sr.startedAt! <= sr.endedAt!);
  assert.deepEqual(sr.attempts.map((x) => x.outcome), ['ok']);
  const hr = byName.get('hungry')!;
  assert.ok(hr.maxRssKb !== undefined && hr.maxRssKb > 150 * 1024, `max RSS ${hr.maxRssKb} KiB`);
  assert.ok(sr.maxRssKb! < 50 * 1024, `sleep's max RSS ${sr.maxRssKb} KiB`);
  const ar = byName.get('after')!;
  assert.ok(ar.readyAt! >= sr.endedAt!, 'ready once its dependency ended');
  const fr = byName.get('flaky')!;
  assert.equal(fr.state, 'failed');
  assert.equal(fr.tries, 2);
  assert.deepEqual(fr.attempts.map((x) => [x.try, x.outcome, x.errorCode]), [
    [0, 'failed', 'PCWL_BASH_EXIT_FAILURE'],
    [1, 'failed', 'PCWL_BASH_EXIT_FAILURE'],
  ]);
  assert.equal(fr.errorCode, 'PCWL_BASH_EXIT_FAILURE');
  assert.equal(fr.exitCode, 3);
});

test('record: false writes no record; a torn last line is skipped by the reader', async () => {
  const base = tempDir('pcwl-rec-');
  const off = await DataFlowKernel.load({ runDir: join(base, 'runinfo'), record: false });
  await off.shutdown();
  assert.equal(existsSync(join(off.runDir, 'run.json')), false);

  const dfk = await DataFlowKernel.load({ runDir: join(base, 'runinfo') });
  const echo = bashApp(() => 'true', { name: 'ok', dfk });
  await echo({});
  await dfk.shutdown();
  const file = join(dfk.runDir, 'tasks.jsonl');
  const { appendFileSync } = await import('node:fs');
  appendFileSync(file, '{"e":"submitted","id":99,"t":1');
  const rec = await readRunRecord(dfk.runDir);
  assert.deepEqual(rec.tasks.map((t) => [t.name, t.state]), [['ok', 'exec_done']]);
  assert.equal(rec.run.status, 'succeeded');
  assert.ok(readFileSync(file, 'utf8').split('\n').length > 3);
});

test('readRunRecord of a folder without a record fails with one coded line', async () => {
  const dir = tempDir('pcwl-rec-');
  await assert.rejects(readRunRecord(dir), (err: Error & { code?: string }) => err.code === 'PCWL_RUN_RECORD_MISSING' && !err.message.includes('\n'));
});
