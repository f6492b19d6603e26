import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tempDir } from './fixtures.js';

const repo = resolve(import.meta.dirname, '../../..');

test('cwl-examples/chain.ts chains wc.cwl, a bash app and cat.cwl with futures', { timeout: 60_000 }, () => {
  const dir = tempDir();
  const a = join(dir, 'a.txt');
  const b = join(dir, 'b.txt');
  writeFileSync(a, '1\n2\n3\n');
  writeFileSync(b, 'x\ny\n');
  const r = spawnSync(process.execPath, [join(repo, 'dist', 'cwl-examples', 'chain.js'), a, b, `--runinfo=${join(dir, 'runinfo')}`], { cwd: repo, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout) as { lines: number[]; total: number; reports: string; tasks: Record<string, number> };
  assert.deepEqual(summary.lines, [3, 2]);
  assert.equal(summary.total, 5);
  assert.equal(readFileSync(summary.reports, 'utf8'), '3\n2\n');
  assert.equal(summary.tasks.exec_done, 4, 'two wc tasks, the bash total, one cat');
});
