import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, lstat, mkdir, mkdtemp, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { OutputRelocator } from '../../src/cwl/relocate.js';
import { ParslCwlError } from '../../src/util/errors.js';
import type { CwlDirectory, CwlFile } from '../../src/cwl/model.js';

const file = (p: string, extra: Partial<CwlFile> = {}): CwlFile => ({ class: 'File', location: pathToFileURL(p).href, path: p, basename: path.basename(p), ...extra });

async function setup() {
  const root = await mkdtemp(path.join(os.tmpdir(), 'pcwl-reloc-'));
  const job = path.join(root, 'run', 'job', 'out');
  const dest = path.join(root, 'final');
  const input = path.join(root, 'input.txt');
  await mkdir(job, { recursive: true });
  await writeFile(input, 'input');
  return { root, job, dest, input, run: path.join(root, 'run') };
}

test('job files are moved, inputs passed through are copied, links are resolved', async () => {
  const { job, dest, input, run } = await setup();
  await writeFile(path.join(job, 'made.txt'), 'made');
  await symlink(input, path.join(job, 'staged.txt'));
  const job2 = path.join(run, 'job2', 'out');
  await mkdir(job2, { recursive: true });
  await writeFile(path.join(job2, 'made.txt'), 'made again');
  const out = await new OutputRelocator(dest, { movableRoots: [run] }).relocate({
    made: file(path.join(job, 'made.txt'), { checksum: 'sha1$x', dirname: job, nameroot: 'made', nameext: '.txt' }),
    passed: file(input),
    staged: file(path.join(job, 'staged.txt')),
    again: file(path.join(job2, 'made.txt')),
  });
  const made = out.made as CwlFile;
  assert.equal(made.path, path.join(dest, 'made.txt'));
  assert.equal(made.location, pathToFileURL(path.join(dest, 'made.txt')).href);
  assert.equal(made.checksum, 'sha1$x');
  assert.equal(made.dirname, undefined, 'dirname/nameroot/nameext are not part of the final output object');
  await assert.rejects(lstat(path.join(job, 'made.txt')), /ENOENT/);
  assert.equal(await readFile(input, 'utf8'), 'input', 'an input is never moved away');
  const staged = out.staged as CwlFile;
  assert.ok(!(await lstat(staged.path!)).isSymbolicLink(), 'a link in the job folder becomes a real file');
  assert.equal(await readFile(staged.path!, 'utf8'), 'input');
  assert.equal((out.passed as CwlFile).basename, 'input.txt');
  const again = out.again as CwlFile;
  assert.equal(again.basename, 'made_2.txt', 'name collision: the second made.txt becomes made_2.txt');
  assert.equal(await readFile(again.path!, 'utf8'), 'made again');
  assert.equal(await readFile(made.path!, 'utf8'), 'made');
});

test('a Directory moves whole; its listing and a File inside it are rewritten', async () => {
  const { job, dest, input, run } = await setup();
  const d = path.join(job, 'results');
  await mkdir(path.join(d, 'sub'), { recursive: true });
  await writeFile(path.join(d, 'sub', 'a.txt'), 'A');
  await symlink(input, path.join(d, 'link.txt'));
  const dir: CwlDirectory = { class: 'Directory', location: pathToFileURL(d).href, path: d, basename: 'results', listing: [{ class: 'Directory', path: path.join(d, 'sub'), basename: 'sub', listing: [file(path.join(d, 'sub', 'a.txt'))] }] };
  const out = await new OutputRelocator(dest, { movableRoots: [run] }).relocate({ dir, inner: file(path.join(d, 'sub', 'a.txt')) });
  const moved = out.dir as CwlDirectory;
  assert.equal(moved.path, path.join(dest, 'results'));
  const sub = moved.listing![0] as CwlDirectory;
  assert.equal((sub.listing![0] as CwlFile).path, path.join(dest, 'results', 'sub', 'a.txt'));
  assert.equal(await readFile(path.join(dest, 'results', 'link.txt'), 'utf8'), 'input', 'links inside are resolved (copied)');
  assert.ok(!(await lstat(path.join(dest, 'results', 'link.txt'))).isSymbolicLink());
  assert.equal(await readFile((out.inner as CwlFile).path!, 'utf8'), 'A');
});

test('secondaryFiles follow their primary; literals are written out', async () => {
  const { job, dest, run } = await setup();
  await writeFile(path.join(job, 'x.bam'), 'bam');
  await writeFile(path.join(job, 'x.bam.bai'), 'bai');
  const out = await new OutputRelocator(dest, { movableRoots: [run] }).relocate({
    bam: file(path.join(job, 'x.bam'), { secondaryFiles: [file(path.join(job, 'x.bam.bai'))] }),
    lit: { class: 'File', basename: 'note.txt', contents: 'literal' },
  });
  assert.equal(((out.bam as CwlFile).secondaryFiles![0] as CwlFile).path, path.join(dest, 'x.bam.bai'));
  assert.equal(await readFile((out.lit as CwlFile).path!, 'utf8'), 'literal');
  assert.deepEqual((await readdir(dest)).sort(), ['note.txt', 'x.bam', 'x.bam.bai']);
});

test('an output whose file vanished is PCWL_OUTPUT_MISSING naming the output, not an internal error', async () => {
  const { job, dest, run } = await setup();
  await assert.rejects(
    new OutputRelocator(dest, { movableRoots: [run] }).relocate({ gone: file(path.join(job, 'gone.txt')) }),
    (e: unknown) => e instanceof ParslCwlError && e.code === 'PCWL_OUTPUT_MISSING' && /'gone'/.test(e.message),
  );
});

test('one file reached through two paths (a linked folder) is relocated once and both point at it', async () => {
  const { job, dest, run } = await setup();
  await mkdir(path.join(job, 'real'));
  await writeFile(path.join(job, 'real', 'blurb'), 'b');
  await symlink(path.join(job, 'real'), path.join(job, 'alias'));
  const out = await new OutputRelocator(dest, { movableRoots: [run] }).relocate({
    a: [file(path.join(job, 'real', 'blurb'))],
    b: [file(path.join(job, 'alias', 'blurb'))],
  });
  const a = (out.a as CwlFile[])[0]!;
  const b = (out.b as CwlFile[])[0]!;
  assert.equal(a.path, path.join(dest, 'blurb'));
  assert.equal(b.path, a.path);
  assert.equal(await readFile(a.path!, 'utf8'), 'b');
});

test('a file reached through a linked input folder inside the outdir is copied; the input stays where it was', async () => {
  const { root, job, dest, run } = await setup();
  const inputDir = path.join(root, 'inputs');
  await mkdir(inputDir);
  await writeFile(path.join(inputDir, 'a'), 'user data');
  await symlink(inputDir, path.join(job, 'linked'));
  const out = await new OutputRelocator(dest, { movableRoots: [run] }).relocate({
    found: file(path.join(job, 'linked', 'a')),
  });
  assert.equal((out.found as CwlFile).path, path.join(dest, 'a'));
  assert.equal(await readFile(path.join(dest, 'a'), 'utf8'), 'user data');
  assert.equal(await readFile(path.join(inputDir, 'a'), 'utf8'), 'user data', 'the input file must not be moved away');
});

test('an output directory used before keeps its files: new outputs take the next free names', async () => {
  const { dest, run } = await setup();
  await mkdir(dest, { recursive: true });
  for (const name of ['out.txt', 'out_2.txt', 'out_4.txt']) await writeFile(path.join(dest, name), `old ${name}`);
  const outputs: Record<string, CwlFile> = {};
  for (const i of [1, 2, 3]) {
    const dir = path.join(run, `job${i}`, 'out');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'out.txt'), `new ${i}`);
    outputs[`o${i}`] = file(path.join(dir, 'out.txt'));
  }
  const out = await new OutputRelocator(dest, { movableRoots: [run] }).relocate(outputs);
  assert.deepEqual(Object.values(out).map((o) => (o as CwlFile).basename), ['out_3.txt', 'out_5.txt', 'out_6.txt']);
  for (const name of ['out.txt', 'out_2.txt', 'out_4.txt']) assert.equal(await readFile(path.join(dest, name), 'utf8'), `old ${name}`, `${name} was overwritten`);
  assert.equal(await readFile(path.join(dest, 'out_6.txt'), 'utf8'), 'new 3');
});

test('a copied output keeps its bytes and permission bits, small (read and write) or large (copyFile)', async () => {
  const { dest, root } = await setup();
  // Outside every movable root, as a cached output is: copied, not moved.
  const small = path.join(root, 'tool.sh');
  // 0o775: group-writable, which the usual umask (022) would take away from a plain create.
  await writeFile(small, '#!/bin/sh\necho hi\n');
  await chmod(small, 0o775);
  const big = path.join(root, 'big.bin');
  const bytes = Buffer.alloc((1 << 20) + 17, 7);
  await writeFile(big, bytes);
  await chmod(big, 0o604);
  const empty = path.join(root, 'empty.txt');
  await writeFile(empty, '');
  await chmod(empty, 0o640);
  const out = await new OutputRelocator(dest, { movableRoots: [path.join(root, 'run')] }).relocate({ small: file(small), big: file(big), empty: file(empty) });
  for (const [name, src, mode] of [['small', small, 0o775], ['big', big, 0o604], ['empty', empty, 0o640]] as const) {
    const placed = (out[name] as CwlFile).path!;
    assert.notEqual(placed, src);
    assert.equal((await lstat(placed)).mode & 0o7777, mode, `${name}: permission bits kept`);
    assert.deepEqual(await readFile(placed), await readFile(src), `${name}: same bytes`);
    assert.equal((await lstat(src)).isFile(), true, `${name}: the source stays`);
  }
});
