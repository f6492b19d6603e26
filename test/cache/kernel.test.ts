/**
 * The kernel's `cacheDir` (DataFlowKernelConfig): a program's memoized tasks reuse the store a
 * later program is given, as `parsl-cwl --cachedir` runs do: CWL tools (loadTool with cache: true)
 * through the job cache, bash apps through the kernel's own files in it.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DataFlowKernel, bashApp, loadTool, type CwlFile } from '../../src/index.js';
import { tempDir } from '../cli/cliHarness.js';

const STEP = fileURLToPath(new URL('../../../test/cache/fixtures/step.cwl', import.meta.url));

test('two programs given one cacheDir: the second reuses the first one\'s tool outputs and bash results', async () => {
  const dir = await tempDir('pcwl-kcache-');
  const cacheDir = path.join(dir, 'cache');
  const log = path.join(dir, 'ran.log');
  const program = async (runDir: string) => {
    const dfk = await DataFlowKernel.load({ runDir: path.join(dir, runDir), cacheDir, maxWorkers: 2 });
    try {
      const step = await loadTool<Record<string, unknown>, { out: CwlFile }>(STEP, { dfk, cache: true });
      const count = bashApp(() => `echo bash >> ${log}`, { cache: true, dfk });
      const out = await step({ tag: 'k', log, flag: path.join(dir, 'absent') });
      await count({});
      return { out, counts: dfk.taskCounts() };
    } finally {
      await dfk.shutdown();
    }
  };
  const first = await program('one');
  assert.equal(readFileSync(first.out.out.path as string, 'utf8'), 'k\n');
  assert.deepEqual(readFileSync(log, 'utf8').split('\n').filter(Boolean), ['k', 'bash']);
  assert.ok(existsSync(path.join(cacheDir, 'v1')) && existsSync(path.join(cacheDir, 'kernel')));

  const second = await program('two');
  assert.deepEqual(readFileSync(log, 'utf8').split('\n').filter(Boolean), ['k', 'bash'], 'nothing ran again');
  assert.notEqual(second.out.out.path, first.out.out.path);
  assert.equal(readFileSync(second.out.out.path as string, 'utf8'), 'k\n');
  assert.equal(second.counts.memo_done, 1, 'the bash app');
});
