import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeLinks } from '../../src/cwl/workflow/linkMerge.js';
import { pickValue } from '../../src/cwl/workflow/pickValue.js';
import { PickValueError } from '../../src/cwl/errors.js';

test('a single link without linkMerge or pickValue passes its value through unwrapped', () => {
  assert.deepEqual(mergeLinks([[1, 2]], { multiple: false }), [1, 2]);
  assert.equal(mergeLinks(['x'], { multiple: false }), 'x');
});

test('merge_nested is the default for several links and wraps one link when given explicitly', () => {
  assert.deepEqual(mergeLinks([[1], 2], { multiple: true }), [[1], 2]);
  assert.deepEqual(mergeLinks([[1, 2]], { multiple: false, linkMerge: 'merge_nested' }), [[1, 2]]);
});

test('merge_flattened concatenates arrays and appends single values', () => {
  assert.deepEqual(mergeLinks([[1, 2], 3, [[4]]], { multiple: true, linkMerge: 'merge_flattened' }), [1, 2, 3, [4]]);
});

test('pickValue on a single unmerged link applies to that value: a scattered array loses its nulls', () => {
  const single = mergeLinks([[null, 'a', null]], { multiple: false });
  assert.deepEqual(pickValue(single, 'all_non_null', 'sink'), ['a']);
  assert.deepEqual(pickValue('x', 'all_non_null', 'sink'), ['x']);
});

test('first_non_null picks the first non-null of the first level', () => {
  assert.equal(pickValue([null, 'x', null, 'y'], 'first_non_null', 'sink'), 'x');
  assert.deepEqual(pickValue([null, [null], null, 'y'], 'first_non_null', 'sink'), [null]);
  assert.throws(() => pickValue([null, null], 'first_non_null', 'step s input i'), (e: unknown) => e instanceof PickValueError && /step s input i/.test(e.message));
});

test('the_only_non_null needs exactly one non-null', () => {
  assert.equal(pickValue([null, 'x', null], 'the_only_non_null', 'sink'), 'x');
  assert.deepEqual(pickValue([null, [null], null], 'the_only_non_null', 'sink'), [null]);
  assert.throws(() => pickValue([null, 'x', 'y'], 'the_only_non_null', 'sink'), /2 sources are non-null/);
  assert.throws(() => pickValue([null, null], 'the_only_non_null', 'sink'), /PCWL_PICK_VALUE_FAILED/);
});

test('all_non_null keeps every non-null, possibly none', () => {
  assert.deepEqual(pickValue(['x', null, 'y'], 'all_non_null', 'sink'), ['x', 'y']);
  assert.deepEqual(pickValue([null, ['x'], [null]], 'all_non_null', 'sink'), [['x'], [null]]);
  assert.deepEqual(pickValue([null, null], 'all_non_null', 'sink'), []);
});
