import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeTmpdir, releaseTmpdir } from '../../src/cwl/execution/tmpdirs.js';

function jobsDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'pcwl-tmpdirs-'));
}

function jobDir(parent: string, name: string): string {
  const dir = path.join(parent, name);
  mkdirSync(dir);
  return dir;
}

test('an empty tmpdir of an ended job becomes the next job\'s tmpdir (renamed, not made again)', async () => {
  const parent = jobsDir();
  const a = jobDir(parent, 'a');
  makeTmpdir(path.join(a, 'tmp'), parent);
  await releaseTmpdir(path.join(a, 'tmp'), parent);
  assert.ok(existsSync(path.join(a, 'tmp')), 'kept as a spare');
  const b = jobDir(parent, 'b');
  makeTmpdir(path.join(b, 'tmp'), parent);
  assert.ok(!existsSync(path.join(a, 'tmp')), 'the spare moved');
  assert.deepEqual(readdirSync(path.join(b, 'tmp')), []);
});

test('a tmpdir a tool left files in is removed, never handed on', async () => {
  const parent = jobsDir();
  const a = jobDir(parent, 'a');
  makeTmpdir(path.join(a, 'tmp'), parent);
  writeFileSync(path.join(a, 'tmp', 'scratch'), 'x');
  await releaseTmpdir(path.join(a, 'tmp'), parent);
  assert.ok(!existsSync(path.join(a, 'tmp')));
  const b = jobDir(parent, 'b');
  makeTmpdir(path.join(b, 'tmp'), parent);
  assert.deepEqual(readdirSync(path.join(b, 'tmp')), []);
});

test('a spare that is gone (its run folder removed) or a tmp with files in place falls back to mkdir semantics', async () => {
  const parent = jobsDir();
  const a = jobDir(parent, 'a');
  makeTmpdir(path.join(a, 'tmp'), parent);
  await releaseTmpdir(path.join(a, 'tmp'), parent);
  // A `tmp` left by an earlier attempt of job b, with a file in it: kept as mkdir with EEXIST would.
  const b = jobDir(parent, 'b');
  mkdirSync(path.join(b, 'tmp'));
  writeFileSync(path.join(b, 'tmp', 'left'), 'x');
  makeTmpdir(path.join(b, 'tmp'), parent);
  assert.deepEqual(readdirSync(path.join(b, 'tmp')), ['left']);
  // The spare was dropped: job c makes its own.
  const c = jobDir(parent, 'c');
  makeTmpdir(path.join(c, 'tmp'), parent);
  assert.deepEqual(readdirSync(path.join(c, 'tmp')), []);
});

test('a job run again in its own folder takes back its own spare, which no other job may then take', async () => {
  const parent = jobsDir();
  const a = jobDir(parent, 'a');
  makeTmpdir(path.join(a, 'tmp'), parent);
  await releaseTmpdir(path.join(a, 'tmp'), parent);
  makeTmpdir(path.join(a, 'tmp'), parent);
  writeFileSync(path.join(a, 'tmp', 'busy'), 'x');
  const b = jobDir(parent, 'b');
  makeTmpdir(path.join(b, 'tmp'), parent);
  assert.deepEqual(readdirSync(path.join(a, 'tmp')), ['busy']);
  assert.deepEqual(readdirSync(path.join(b, 'tmp')), []);
});

test('a tmpdir given outside the job folder is made and removed as before', async () => {
  const parent = jobsDir();
  const elsewhere = path.join(parent, 'given', 'tmp');
  makeTmpdir(elsewhere, undefined);
  assert.ok(existsSync(elsewhere));
  await releaseTmpdir(elsewhere, undefined);
  assert.ok(!existsSync(elsewhere));
});

test('beside a job folder that is its own outdir (workflow steps): <jobDir>+tmp, handed on the same way', async () => {
  const parent = jobsDir();
  const a = jobDir(parent, 'a');
  makeTmpdir(`${a}+tmp`, parent);
  await releaseTmpdir(`${a}+tmp`, parent);
  const b = jobDir(parent, 'b');
  makeTmpdir(`${b}+tmp`, parent);
  assert.deepEqual(readdirSync(parent).sort(), ['a', 'b', 'b+tmp']);
});
