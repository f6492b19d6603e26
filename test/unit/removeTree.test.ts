import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { removeTreeSync } from '../../src/cli/run/removeTree.js';

test('removeTreeSync removes a nested tree, and links without following them', () => {
  const base = mkdtempSync(path.join(os.tmpdir(), 'pcwl-rmtree-'));
  const outside = path.join(base, 'outside');
  mkdirSync(outside);
  writeFileSync(path.join(outside, 'keep.txt'), 'kept');
  const tree = path.join(base, 'run');
  mkdirSync(path.join(tree, 'job', 'out', 'deep'), { recursive: true });
  mkdirSync(path.join(tree, 'empty'));
  writeFileSync(path.join(tree, 'job', 'tool.stderr.log'), '');
  writeFileSync(path.join(tree, 'job', 'out', 'deep', 'f'), 'x');
  symlinkSync(outside, path.join(tree, 'job', 'link-to-dir'));
  symlinkSync(path.join(outside, 'keep.txt'), path.join(tree, 'link-to-file'));
  symlinkSync(path.join(base, 'nowhere'), path.join(tree, 'dangling'));

  removeTreeSync(tree);
  assert.equal(existsSync(tree), false);
  assert.equal(readFileSync(path.join(outside, 'keep.txt'), 'utf8'), 'kept');
});

test('removeTreeSync of a missing folder does nothing', () => {
  const base = mkdtempSync(path.join(os.tmpdir(), 'pcwl-rmtree-'));
  removeTreeSync(path.join(base, 'never-made'));
  assert.equal(existsSync(base), true);
});

test('removeTreeSync of a file path removes the file (what rmSync does)', () => {
  const base = mkdtempSync(path.join(os.tmpdir(), 'pcwl-rmtree-'));
  const file = path.join(base, 'plain');
  writeFileSync(file, 'x');
  removeTreeSync(file);
  assert.equal(existsSync(file), false);
});
