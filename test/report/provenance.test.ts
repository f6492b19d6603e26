/**
 * `--provenance`'s crate (src/cli/run/provenance.ts) for a real loaded workflow with real files:
 * every step run is an action with its times, command line and image, every input and output file
 * is in the crate with a matching checksum.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadProcess } from '../../src/cwl/load/index.js';
import { checkProvenanceDir, writeProvenanceCrate, ProvenanceError } from '../../src/cli/run/provenance.js';
import { sha1Hex } from '../../src/util/index.js';
import type { RunRecord, TaskRow } from '../../src/dataflow/record/model.js';
import { ids, readCrate } from './crate.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const LINEAR = path.join(ROOT, 'test/workflow/fixtures/linear.cwl');

function row(id: number, step: string, scatterIndex: number[] | undefined, extra: Partial<TaskRow> = {}): TaskRow {
  const t = 1_800_000_000_000 + id * 100;
  return { id, name: step, kind: 'job', step, ...(scatterIndex ? { scatterIndex } : {}), state: 'exec_done', submittedAt: t, startedAt: t + 5, endedAt: t + 50, tries: 1, attempts: [], commandLine: [step, `arg ${id}`], ...extra };
}

test('a workflow run as a Provenance Run Crate: steps, actions, files with checksums', async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'pcwl-prov-'));
  const proc = await loadProcess(LINEAR);
  mkdirSync(path.join(tmp, 'out'));
  const text = path.join(tmp, 'out', 'all.txt');
  writeFileSync(text, 'a\nb\n');
  const outputs = { text: { class: 'File', path: text, location: `file://${text}`, basename: 'all.txt', checksum: `sha1$${sha1Hex('a\nb\n')}`, size: 4 }, lines: 2 };
  const record: RunRecord = {
    dir: tmp,
    run: { id: '000', format: 'parsl-cwl-record/1', status: 'succeeded', startedAt: 1_800_000_000_000, endedAt: 1_800_000_001_000, argv: [], cwd: tmp, executor: 'local', version: '0.1.0', hostname: 'h' },
    tasks: [row(0, 'echo', [0]), row(1, 'echo', [1], { image: 'docker.io/library/debian:12' }), row(2, 'cat', undefined), row(3, 'wc', undefined)],
    blocks: [],
    steps: [{ name: 'echo', scatterWidth: 2 }, { name: 'cat' }, { name: 'wc' }],
    edges: [],
  };
  const dir = path.join(tmp, 'crate');
  checkProvenanceDir(dir);
  await writeProvenanceCrate({ dir, process: proc, inputs: { messages: ['a', 'b'] }, outputs, record, status: 'succeeded', startedAt: record.run.startedAt, endedAt: record.run.endedAt!, engineVersion: '0.1.0' });
  const crate = readCrate(dir);
  // The workflow and its three tools are documents in the crate.
  assert.deepEqual(ids(crate.main.step).length, 3);
  assert.deepEqual(ids(crate.root.hasPart).filter((p) => p.startsWith('workflow/')).sort(), ['workflow/cat.cwl', 'workflow/echo.cwl', 'workflow/linear.cwl', 'workflow/wc.cwl']);
  // One CreateAction per task (plus the workflow's), each orchestrated by a ControlAction of its step.
  const actions = crate.ofType('CreateAction').filter((a) => a['@id'].startsWith('#task-'));
  assert.equal(actions.length, 4);
  const controls = crate.ofType('ControlAction');
  assert.equal(controls.length, 4);
  for (const c of controls) {
    const action = crate.graph.get(ids(c.object)[0]!)!;
    const step = crate.graph.get(ids(c.instrument)[0]!)!;
    assert.deepEqual(ids(action.instrument), ids(step.workExample));
    assert.ok(typeof action.startTime === 'string' && typeof action.endTime === 'string');
  }
  const echo1 = crate.graph.get('#task-1')!;
  assert.equal(echo1.name, 'Run of echo[1]');
  assert.equal(echo1.description, "echo 'arg 1'");
  const image = crate.graph.get(ids(echo1.containerImage)[0]!)!;
  assert.deepEqual([image.registry, image.name, image.tag], ['docker.io', 'library/debian', '12']);
  // The output file, with the checksum CWL reported; the int output and the inputs as PropertyValues.
  const wfRun = crate.graph.get('#run')!;
  const results = ids(wfRun.result).map((id) => crate.graph.get(id)!);
  assert.equal(results.length, 2);
  const file = results.find((e) => e['@type'] === 'File')!;
  assert.equal(`sha1$${file.sha1}`, outputs.text.checksum);
  assert.deepEqual(ids(file.exampleOfWork), ['workflow/linear.cwl#text']);
  assert.equal(results.find((e) => e['@type'] === 'PropertyValue')!.value, '2');
  assert.equal(crate.graph.get(ids(wfRun.object)[0]!)!.value, '["a","b"]');
  // A second run cannot write into the same crate.
  assert.throws(() => checkProvenanceDir(dir), (e: unknown) => e instanceof ProvenanceError && /PCWL_PROVENANCE_FAILED.*is not empty/.test(e.message));
});
