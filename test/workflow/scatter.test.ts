import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planScatter } from '../../src/cwl/workflow/scatter.js';
import { ScatterInputError } from '../../src/cwl/errors.js';

const inputs = { a: ['a1', 'a2'], b: ['b1', 'b2', 'b3'], c: ['c1', 'c2'], fixed: 'x' };

test('a single scattered input gives one instance per element and keeps the other inputs', () => {
  const plan = planScatter('s', inputs, ['a'], undefined);
  assert.deepEqual(
    plan.instances.map((i) => i.inputs),
    [
      { ...inputs, a: 'a1' },
      { ...inputs, a: 'a2' },
    ],
  );
  assert.deepEqual(plan.gather(['r1', 'r2']), ['r1', 'r2']);
});

test('dotproduct pairs elements by position', () => {
  const plan = planScatter('s', inputs, ['a', 'c'], 'dotproduct');
  assert.deepEqual(
    plan.instances.map((i) => [i.inputs.a, i.inputs.c, i.index]),
    [
      ['a1', 'c1', [0]],
      ['a2', 'c2', [1]],
    ],
  );
});

test('dotproduct over arrays of different lengths is a ScatterInputError naming both inputs', () => {
  assert.throws(
    () => planScatter('s', inputs, ['a', 'b'], 'dotproduct'),
    (e: unknown) => e instanceof ScatterInputError && e.code === 'PCWL_SCATTER_INPUT_INVALID' && /'a' has 2 items, 'b' has 3/.test(e.message),
  );
});

test('flat_crossproduct lists every combination, first input outermost, as one flat array', () => {
  const plan = planScatter('s', inputs, ['a', 'b'], 'flat_crossproduct');
  assert.deepEqual(
    plan.instances.map((i) => `${String(i.inputs.a)}${String(i.inputs.b)}`),
    ['a1b1', 'a1b2', 'a1b3', 'a2b1', 'a2b2', 'a2b3'],
  );
  assert.deepEqual(plan.gather([1, 2, 3, 4, 5, 6]), [1, 2, 3, 4, 5, 6]);
});

test('nested_crossproduct gathers results into one array level per scattered input', () => {
  const plan = planScatter('s', inputs, ['a', 'b'], 'nested_crossproduct');
  assert.deepEqual(plan.instances[4]!.index, [1, 1]);
  assert.deepEqual(plan.gather([1, 2, 3, 4, 5, 6]), [
    [1, 2, 3],
    [4, 5, 6],
  ]);
});

test('empty scatters: no instances; nested keeps the outer level when only the inner input is empty', () => {
  const first = planScatter('s', { a: [], b: ['x', 'y'] }, ['a', 'b'], 'nested_crossproduct');
  assert.equal(first.instances.length, 0);
  assert.deepEqual(first.gather([]), []);
  const second = planScatter('s', { a: ['x', 'y'], b: [] }, ['a', 'b'], 'nested_crossproduct');
  assert.equal(second.instances.length, 0);
  assert.deepEqual(second.gather([]), [[], []]);
  assert.deepEqual(planScatter('s', { a: [], b: [] }, ['a', 'b'], 'dotproduct').instances, []);
  assert.deepEqual(planScatter('s', { a: ['x'], b: [] }, ['a', 'b'], 'flat_crossproduct').gather([]), []);
});

test('scattering a non-array is a ScatterInputError', () => {
  assert.throws(() => planScatter('s', { a: 'x' }, ['a'], undefined), ScatterInputError);
  assert.throws(() => planScatter('s', { a: null }, ['a'], undefined), /must be an array, got null/);
});

test('instances are shallow copies: the big unscattered values are shared, not copied', () => {
  const big = { list: new Array(1000).fill('v') };
  const plan = planScatter('s', { a: [1, 2, 3], big }, ['a'], undefined);
  for (const inst of plan.instances) assert.equal(inst.inputs.big, big);
});
