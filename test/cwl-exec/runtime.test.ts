import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRuntime } from '../../src/cwl/execution/runtime.js';
import type { Evaluate } from '../../src/cwl/execution/evaluation.js';
import { ExpressionEvaluator } from '../../src/cwl/expressions/index.js';
import { ErrorCode, ParslCwlError } from '../../src/util/errors.js';

const js = new ExpressionEvaluator({ javascript: true });
const evaluate: Evaluate = (t, c, o) => js.evaluate(t, c, o);
const paths = { outdir: '/o', tmpdir: '/t' };

test('defaults: 1 core, 256 MiB RAM, 1024 MiB outdir and tmpdir', async () => {
  assert.deepEqual(await buildRuntime(undefined, paths, {}, evaluate), { outdir: '/o', tmpdir: '/t', cores: 1, ram: 256, outdirSize: 1024, tmpdirSize: 1024 });
});

test('fractional requests are rounded up (cores_float, storage_float)', async () => {
  const rt = await buildRuntime(
    { class: 'ResourceRequirement', coresMin: 1.25, coresMax: 1.75, ramMin: 254.1, ramMax: 254.9, tmpdirMin: 255.1, outdirMin: 256.1 },
    paths,
    {},
    evaluate,
  );
  assert.equal(rt.cores, 2);
  assert.equal(rt.ram, 255);
  assert.equal(rt.tmpdirSize, 256);
  assert.equal(rt.outdirSize, 257);
});

test('a max alone is also the min; expressions see the inputs', async () => {
  const rt = await buildRuntime({ class: 'ResourceRequirement', coresMax: 3, ramMin: '$(inputs.f.size * 2)' }, paths, { f: { class: 'File', size: 100 } }, evaluate);
  assert.equal(rt.cores, 3);
  assert.equal(rt.ram, 200);
});

test('max below min and negative values are errors naming the field', async () => {
  await assert.rejects(buildRuntime({ class: 'ResourceRequirement', coresMin: 4, coresMax: 2 }, paths, {}, evaluate), (e: unknown) => {
    assert.ok(e instanceof ParslCwlError);
    assert.equal(e.code, ErrorCode.DocumentInvalid);
    assert.match(e.message, /coresMax/);
    return true;
  });
  await assert.rejects(buildRuntime({ class: 'ResourceRequirement', ramMin: -1 }, paths, {}, evaluate), /negative/);
});
