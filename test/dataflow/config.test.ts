import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DataFlowKernel, LocalExecutor, bashApp, lazyTool, KernelConfigError, KernelStateError, ErrorCode, type CwlFile } from '../../src/index.js';
import { tempDir } from './fixtures.js';

test('invalid kernel configs are refused with the field named', async () => {
  const dir = tempDir();
  const cases: Array<[Parameters<typeof DataFlowKernel.load>[0], RegExp]> = [
    [{ retries: -1 }, /'retries'/],
    [{ checkpointMode: 'sometimes' as never }, /'checkpointMode'/],
    [{ shutdownMode: 'later' as never }, /'shutdownMode'/],
    [{ executors: [] }, /'executors'/],
    [{ executors: [new LocalExecutor(), new LocalExecutor()] }, /two executors are labelled 'local'/],
  ];
  for (const [config, message] of cases) {
    await assert.rejects(DataFlowKernel.load({ runDir: join(dir, 'runinfo'), ...config }), (e: unknown) => e instanceof KernelConfigError && e.code === ErrorCode.ConfigInvalid && message.test(e.message));
  }
  assert.throws(() => new LocalExecutor({ maxWorkers: 0 }), /maxWorkers must be a positive integer/);
});

test('apps run on the executor they name; an unknown label fails the task naming the labels there are', async () => {
  const dir = tempDir();
  const dfk = await DataFlowKernel.load({ runDir: join(dir, 'runinfo'), executors: [new LocalExecutor({ label: 'a' }), new LocalExecutor({ label: 'b', maxWorkers: 1 })] });
  try {
    const onB = bashApp(() => 'true', { executor: 'b' });
    await onB({});
    assert.equal((dfk.executor('b') as LocalExecutor).peakRunning, 1);
    assert.equal((dfk.executor('a') as LocalExecutor).peakRunning, 0);
    const lost = bashApp(() => 'true', { executor: 'nowhere' });
    await assert.rejects(lost({}).result(), (e: unknown) => e instanceof KernelStateError && /'nowhere'.*a, b/.test(e.message));
  } finally {
    await dfk.shutdown();
  }
});

test('bash apps get cwd and env, and relative stdout paths resolve against cwd', async () => {
  const dir = tempDir();
  const dfk = await DataFlowKernel.load({ runDir: join(dir, 'runinfo') });
  try {
    const app = bashApp(() => 'pwd; echo "$GREETING"');
    const r = await app({}, { cwd: dir, env: { GREETING: 'hi there' }, stdout: 'out/said.txt' });
    assert.equal(r.stdout, join(dir, 'out', 'said.txt'));
    assert.equal(readFileSync(join(dir, 'out', 'said.txt'), 'utf8'), `${dir}\nhi there\n`);
  } finally {
    await dfk.shutdown();
  }
});

test('a lazyTool loads its document on first call; a bad document fails the call', async () => {
  const dir = tempDir();
  const dfk = await DataFlowKernel.load({ runDir: join(dir, 'runinfo') });
  try {
    const examples = resolve(import.meta.dirname, '../../../cwl-examples');
    const wc = lazyTool<{ file: CwlFile }, { lines: number }>(new URL(`file://${examples}/wc.cwl`));
    assert.equal(await wc({ file: { class: 'File', path: join(examples, 'data', 'poem.txt') } }).output('lines'), 4);
    const broken = lazyTool(join(dir, 'missing.cwl'));
    await assert.rejects(broken({}).result(), (e: unknown) => (e as { code?: string }).code === ErrorCode.DocumentNotFound);
  } finally {
    await dfk.shutdown();
  }
});

test('apps called with no kernel loaded say how to load one', () => {
  assert.equal(DataFlowKernel.current(), undefined, 'every kernel of this file was shut down');
  assert.throws(() => bashApp(() => 'true')({}), (e: unknown) => e instanceof KernelStateError && /DataFlowKernel\.load\(\)/.test(e.message));
});

test('a run directory that cannot be created is a config error naming the folder', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'file'), '');
  await assert.rejects(DataFlowKernel.load({ runDir: join(dir, 'file', 'runinfo') }), (e: unknown) => e instanceof KernelConfigError && /'runDir'.*file\/runinfo/.test(e.message));
});
