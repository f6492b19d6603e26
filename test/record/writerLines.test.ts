/**
 * The writer's lines (src/dataflow/record/writer.ts) are encoded as bytes from typed arrays at the
 * flush: every line must still be the JSON the format documents, in the order the events came,
 * across segment and chunk boundaries, with odd names, big ids and fractional times.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { RunRecorder } from '../../src/dataflow/record/index.js';
import { tempDir } from '../dataflow/fixtures.js';

test('the recorder writes each event as its documented JSON line, in order, across batches', async () => {
  const dir = join(tempDir('pcwl-recw-'), 'run');
  const rec = new RunRecorder(dir, { executor: 'local', version: '0' });
  const expected: object[] = [];
  const names = ['noop', 'ünï "cödé"\n', 'x'.repeat(300)];
  // 12,000 tasks: more events than a segment holds (8,192) and lines over a 256 KiB chunk.
  for (let i = 0; i < 12_000; i++) {
    const id = i === 11_999 ? 2 ** 40 + 1 : i;
    const t = i === 5 ? 1234.5 : 1_800_000_000_000 + Math.floor(i / 7);
    const name = names[i % 3] as string;
    const tags = i % 5 === 0 ? { step: 'st"ep', scatterIndex: [i, 2] } : undefined;
    rec.submitted(id, t, name, tags);
    const sub: Record<string, unknown> = { e: 'submitted', id, t, name, ...(tags ?? {}) };
    if (i % 4 !== 3) {
      rec.launched(id, 0, 'local', 'noop');
      const launch = expected.length;
      expected.push({ ...sub });
      Object.assign(expected[launch] as object, { launchedAt: t, executor: 'local', kind: 'noop' });
    } else expected.push(sub);
    if (i % 100 === 0) rec.flush();
  }
  rec.ready(7);
  rec.launched(7, 1, 'h"tex', 'cwl');
  rec.running(7, 1);
  const report = { worker: 'p/w0', exitCode: -1, wallMs: 1.5, userMs: undefined, startedAt: 1_800_000_000_123, commandLine: ['echo', 'ä'], workDir: 'd'.repeat(100) };
  rec.report(7, 1, report);
  rec.tryFailed(7, 1, Object.assign(new Error('boom\nsecond line'), { code: 'PCWL_X' }));
  rec.ended(7, 'exec_done', undefined);
  rec.ended(8, 'failed', new Error('bad'));
  await rec.close('succeeded');

  const lines = readFileSync(join(dir, 'tasks.jsonl'), 'utf8').split('\n');
  assert.equal(lines.pop(), '', 'the file ends with a newline');
  const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(events.slice(0, expected.length), expected);
  const tail = events.slice(expected.length);
  assert.deepEqual(
    tail.map((e) => [e.e, e.id, e.try]),
    [['ready', 7, undefined], ['launched', 7, 1], ['running', 7, 1], ['report', 7, 1], ['try_failed', 7, 1], ['ended', 7, undefined], ['ended', 8, undefined]],
  );
  assert.equal(tail[1]?.executor, 'h"tex');
  assert.equal(lines[expected.length + 3], `{"e":"report","id":7,"try":1,${JSON.stringify(report).slice(1)}`, 'as JSON.stringify writes it');
  assert.equal(tail[4]?.error, 'boom');
  assert.equal(tail[4]?.errorCode, 'PCWL_X');
  assert.equal(tail[5]?.state, 'exec_done');
  assert.equal(tail[6]?.outcome, 'failed');
  for (const e of tail) if (e.e !== 'report') assert.equal(typeof e.t, 'number');
});
