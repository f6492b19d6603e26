/**
 * From real runs: `parsl-cwl --provenance` on a workflow (every step run and every output in the
 * crate, checksums matching the output object), a failed workflow's crate, and `parsl-cwl report`
 * of a failed CLI workflow run and of a kernel program's record, opened in headless Chromium.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { EXAMPLES, runCli, tempDir } from '../cli/cliHarness.js';
import { readRunRecord } from '../../src/dataflow/record/index.js';
import { DataFlowKernel, bashApp } from '../../src/dataflow/index.js';
import { ids, readCrate } from './crate.js';
import { browserSkip, launch, openReport } from './browser.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/workflow/fixtures');

test('--provenance: every step run and every output of a workflow, with matching checksums', async () => {
  const dir = await tempDir('pcwl-prov-e2e-');
  const crateDir = path.join(dir, 'crate');
  const runDir = path.join(dir, 'record');
  const r = await runCli(['--run-dir', runDir, '--outdir', path.join(dir, 'out'), '--provenance', crateDir, path.join(FIXTURES, 'linear.cwl'), '--messages', 'a', '--messages', 'b', '--messages', 'c']);
  assert.equal(r.code, 0, r.stderr);
  const outputs = JSON.parse(r.stdout) as { text: { checksum: string; basename: string }; lines: number };
  const crate = readCrate(crateDir);
  const record = await readRunRecord(runDir);
  // Every task of the record is one CreateAction orchestrated by its step's ControlAction.
  const controls = crate.ofType('ControlAction');
  assert.equal(record.tasks.length, 5);
  assert.deepEqual(controls.map((c) => ids(c.object)[0]).sort(), record.tasks.map((t) => `#task-${t.id}`).sort());
  for (const t of record.tasks) {
    const action = crate.graph.get(`#task-${t.id}`)!;
    assert.equal(action.startTime, new Date(t.startedAt!).toISOString());
    assert.equal(action.endTime, new Date(t.endedAt!).toISOString());
    assert.equal(action.description, t.commandLine!.join(' '));
  }
  const steps = controls.map((c) => crate.graph.get(ids(c.instrument)[0]!)!.name).sort();
  assert.deepEqual(steps, ['cat', 'echo', 'echo', 'echo', 'wc']);
  // Every output: the file with the checksum the run printed, the int as a value.
  const results = ids(crate.graph.get('#run')!.result).map((id) => crate.graph.get(id)!);
  const file = results.find((e) => e['@type'] === 'File')!;
  assert.equal(`sha1$${file.sha1}`, outputs.text.checksum);
  assert.equal(file.name, outputs.text.basename);
  assert.equal(results.find((e) => e['@type'] === 'PropertyValue')!.value, String(outputs.lines));
});

test('--provenance of a single tool: a Process Run Crate with its input and output files checksummed', async () => {
  const dir = await tempDir('pcwl-prov-tool-');
  const crateDir = path.join(dir, 'crate');
  const r = await runCli(['--run-dir', path.join(dir, 'record'), '--outdir', path.join(dir, 'out'), '--provenance', crateDir, 'wc.cwl', 'wc-job.yml']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { report: { checksum: string } };
  const crate = readCrate(crateDir, 'tool');
  const run = crate.graph.get('#run')!;
  const input = crate.graph.get(ids(run.object)[0]!)!;
  assert.equal(input.sha1, createHash('sha1').update(readFileSync(path.join(EXAMPLES, 'data/poem.txt'))).digest('hex'));
  const report = ids(run.result).map((id) => crate.graph.get(id)!).find((e) => e['@type'] === 'File')!;
  assert.equal(`sha1$${report.sha1}`, out.report.checksum);
  assert.equal(run.description, 'wc -l');
});

test('--provenance of a failed workflow: the failed step run and the run are FailedActionStatus', async () => {
  const dir = await tempDir('pcwl-prov-fail-');
  const crateDir = path.join(dir, 'crate');
  const r = await runCli(['--tmpdir-prefix', `${dir}/run-`, '--outdir', path.join(dir, 'out'), '--provenance', crateDir, path.join(FIXTURES, 'fail-later.cwl'), '--messages', 'ok', '--messages', 'bad']);
  assert.equal(r.code, 1);
  const crate = readCrate(crateDir);
  const failed = 'http://schema.org/FailedActionStatus';
  assert.deepEqual(ids(crate.graph.get('#run')!.actionStatus), [failed]);
  const failedRuns = crate.ofType('CreateAction').filter((a) => a['@id'] !== '#run' && ids(a.actionStatus)[0] === failed);
  assert.equal(failedRuns.length, 1);
  assert.match(String(failedRuns[0]!.error), /PCWL_TOOL_FAILED/);
  // A crate is never written over: the same folder again is refused before the run starts.
  const again = await runCli(['--provenance', crateDir, path.join(FIXTURES, 'linear.cwl'), '--messages', 'a']);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /\[PCWL_PROVENANCE_FAILED\] --provenance .*is not empty/);
});

test('report errors: a folder without a record, an unwritable report file, an unknown option', async () => {
  const dir = await tempDir('pcwl-report-none-');
  await writeFile(path.join(dir, 'x'), '');
  const none = await runCli(['report', dir, '-o', path.join(dir, 'r.html')]);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /^parsl-cwl: error: \[PCWL_RUN_RECORD_MISSING\] .* holds no run record/);
  const record = path.join(dir, 'record');
  assert.equal((await runCli(['--quiet', '--run-dir', record, path.join(FIXTURES, 'linear.cwl'), '--messages', 'a'])).code, 0);
  const unwritable = await runCli(['report', record, '-o', path.join(dir, 'no', 'such', 'folder.html')]);
  assert.equal(unwritable.code, 1);
  assert.match(unwritable.stderr, /^parsl-cwl: error: \[PCWL_REPORT_WRITE_FAILED\] .*folder\.html: cannot write the report: ENOENT; choose another file with -o\n$/);
  const usage = await runCli(['report', '--bogus']);
  assert.equal(usage.code, 2);
});

describe('parsl-cwl report of real runs in Chromium', { skip: browserSkip() }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });

  test('a failed CLI workflow run: status, failed step, graph and timeline', async () => {
    const dir = await tempDir('pcwl-report-e2e-');
    // The CLI's own state folder (its runs), empty at first: the report takes the newest run there.
    const env = { ...process.env, XDG_STATE_HOME: path.join(dir, 'state'), XDG_CACHE_HOME: path.join(dir, 'cache') };
    const first = await runCli(['--outdir', path.join(dir, 'out1'), path.join(FIXTURES, 'linear.cwl'), '--messages', 'x'], { env });
    assert.equal(first.code, 0, first.stderr);
    const r = await runCli(['--outdir', path.join(dir, 'out'), path.join(FIXTURES, 'fail-later.cwl'), '--messages', 'ok', '--messages', 'bad', '--messages', 'fine'], { env });
    assert.equal(r.code, 1);
    const html = path.join(dir, 'report.html');
    const rep = await runCli(['report', '-o', html], { env });
    assert.equal(rep.code, 0, rep.stderr);
    assert.match(rep.stderr, /\(failed, 4 tasks, 1 failed\)/);
    const { page, consoleErrors, requests } = await openReport(browser, html);
    assert.deepEqual(consoleErrors, []);
    assert.deepEqual(requests, []);
    assert.equal(await page.textContent('[data-testid=status]'), 'failed');
    assert.equal(await page.getAttribute('[data-testid=failures]', 'data-failed-steps'), 'second');
    // The failure with its job folder and the tail of its stderr, as the record has them.
    assert.match((await page.textContent('[data-testid=failures]')) ?? '', /second\[1\][\s\S]*job folder: \/\S+second_1[\s\S]*boom/);
    const nodes = await page.locator('svg[data-testid=graph] g.node').count();
    assert.equal(nodes, Number(await page.textContent('[data-testid=step-count]')));
    assert.equal(nodes, 2);
    assert.equal(await page.getAttribute('[data-testid=timeline]', 'data-bars'), '4');
    await page.close();
  });

  test('an HTEX run: the timeline has the block and a row per worker that ran tasks', async () => {
    const dir = await tempDir('pcwl-report-htex-');
    const record = path.join(dir, 'record');
    const r = await runCli(['--quiet', '--run-dir', record, '--config', path.join(EXAMPLES, 'configs/htex-local.yml'), '--outdir', path.join(dir, 'out'), path.join(FIXTURES, 'linear.cwl'), '--messages', 'a', '--messages', 'b', '--messages', 'c', '--messages', 'd']);
    assert.equal(r.code, 0, r.stderr);
    const rec = await readRunRecord(record);
    const workers = new Set(rec.tasks.map((t) => t.worker));
    assert.ok(rec.blocks.length === 1 && !workers.has(undefined), 'the record names the block and each task\'s worker');
    const html = path.join(dir, 'report.html');
    assert.equal((await runCli(['report', record, '-o', html])).code, 0);
    const { page, consoleErrors } = await openReport(browser, html);
    assert.deepEqual(consoleErrors, []);
    assert.equal(await page.getAttribute('[data-testid=timeline]', 'data-rows'), String(1 + workers.size));
    assert.equal(await page.getAttribute('[data-testid=timeline]', 'data-bars'), String(rec.tasks.length));
    assert.match((await page.textContent('g.node[data-step=echo]')) ?? '', /echo ×4/);
    await page.close();
  });

  test('a scattered subworkflow: one node for it, its steps in the figures, each nested run in the crate', async () => {
    const dir = await tempDir('pcwl-report-sub-');
    const job = path.join(dir, 'job.json');
    await writeFile(job, JSON.stringify({ groups: [['a', 'b'], ['c']] }));
    const record = path.join(dir, 'record');
    const crateDir = path.join(dir, 'crate');
    const r = await runCli(['--quiet', '--run-dir', record, '--provenance', crateDir, '--outdir', path.join(dir, 'out'), path.join(FIXTURES, 'subworkflow.cwl'), job]);
    assert.equal(r.code, 0, r.stderr);
    const rec = await readRunRecord(record);
    // Steps are paths with the subworkflow instance's scatter index: count[0]/echo, count[1]/wc...
    assert.deepEqual([...new Set(rec.tasks.map((t) => t.step!.replace(/\[\d+\]/g, '')))].sort(), ['count/cat', 'count/echo', 'count/wc']);
    const html = path.join(dir, 'report.html');
    assert.equal((await runCli(['report', record, '-o', html])).code, 0);
    const { page, consoleErrors } = await openReport(browser, html);
    assert.deepEqual(consoleErrors, []);
    assert.equal(await page.locator('svg[data-testid=graph] g.node').count(), 1);
    assert.match((await page.textContent('g.node[data-step=count]')) ?? '', /count ▸ 3 steps/);
    assert.equal(await page.locator('[data-testid=distributions] tr[data-step]').count(), 3);
    await page.close();
    // The crate: every nested tool run is an action of its own tool, under its step.
    const crate = readCrate(crateDir);
    for (const t of rec.tasks) {
      const action = crate.graph.get(`#task-${t.id}`)!;
      const tool = t.step!.split('/').pop()!;
      assert.deepEqual(ids(action.instrument), [`workflow/${tool}.cwl`], `${t.step} ran ${tool}.cwl`);
    }
    assert.equal(crate.ofType('ControlAction').length, rec.tasks.length);
  });

  test("a kernel program's record (runinfo/NNN): tasks by app name", async () => {
    const dir = await tempDir('pcwl-report-kernel-');
    const dfk = await DataFlowKernel.load({ runDir: path.join(dir, 'runinfo'), maxWorkers: 2 });
    const ok = bashApp((i: number) => `echo ${i}`, { name: 'hello', dfk });
    const bad = bashApp((_: number) => 'echo oops >&2; exit 4', { name: 'broken', dfk });
    const done = [ok(1), ok(2), ok(3)];
    const failed = bad(0);
    await Promise.all(done);
    await assert.rejects(Promise.resolve(failed));
    await dfk.shutdown();
    const html = path.join(dir, 'k.html');
    const rep = await runCli(['report', dfk.runDir, '-o', html]);
    assert.equal(rep.code, 0, rep.stderr);
    const { page, consoleErrors } = await openReport(browser, html);
    assert.deepEqual(consoleErrors, []);
    assert.equal(await page.textContent('[data-testid=task-count]'), '4');
    assert.equal(await page.locator('svg[data-testid=graph] g.node').count(), 2);
    assert.equal(await page.getAttribute('[data-testid=failures]', 'data-failed-steps'), 'broken');
    await page.close();
  });

});
