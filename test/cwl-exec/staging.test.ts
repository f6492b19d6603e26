import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readFile, readlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { InputStager } from '../../src/cwl/execution/staging.js';
import { ParslCwlError } from '../../src/util/errors.js';
import type { CwlDirectory, CwlFile } from '../../src/cwl/model.js';

async function fixture() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pcwl-stage-'));
  await writeFile(path.join(dir, 'a.txt'), 'A');
  await writeFile(path.join(dir, 'a.txt.idx'), 'IDX');
  await mkdir(path.join(dir, 'other'));
  await writeFile(path.join(dir, 'other', 'b.sec'), 'SEC');
  return dir;
}

const file = (p: string, extra: Partial<CwlFile> = {}): CwlFile => ({ class: 'File', location: pathToFileURL(p).href, path: p, ...extra });

test('a file whose name and secondaryFiles already fit is used where it is (no link, no copy)', async () => {
  const dir = await fixture();
  const stager = new InputStager(path.join(dir, 'job', 'stg'), 'job');
  const staged = await stager.stageInputs({ f: file(path.join(dir, 'a.txt'), { secondaryFiles: [file(path.join(dir, 'a.txt.idx'))] }) });
  const f = staged.f as CwlFile;
  assert.equal(f.path, path.join(dir, 'a.txt'));
  assert.equal(f.dirname, dir);
  assert.equal(f.nameroot, 'a');
  assert.equal(f.nameext, '.txt');
  await assert.rejects(lstat(path.join(dir, 'job', 'stg')), /ENOENT/);
});

test('a secondaryFile from another folder is linked beside a link to its primary', async () => {
  const dir = await fixture();
  const stager = new InputStager(path.join(dir, 'job', 'stg'), 'job');
  const staged = await stager.stageInputs({ f: file(path.join(dir, 'a.txt'), { secondaryFiles: [file(path.join(dir, 'other', 'b.sec'))] }) });
  const f = staged.f as CwlFile;
  assert.notEqual(f.path, path.join(dir, 'a.txt'));
  assert.equal(path.basename(f.path!), 'a.txt');
  const sec = f.secondaryFiles![0] as CwlFile;
  assert.equal(path.dirname(sec.path!), path.dirname(f.path!));
  assert.equal(await readFile(sec.path!, 'utf8'), 'SEC');
  assert.equal(await readlink(f.path!), path.join(dir, 'a.txt'));
});

test('a basename different from the file name gets a link with that name', async () => {
  const dir = await fixture();
  const stager = new InputStager(path.join(dir, 'stg'), 'job');
  const staged = await stager.stageInputs({ list: [file(path.join(dir, 'a.txt'), { basename: 'renamed.dat' })] });
  const f = (staged.list as CwlFile[])[0]!;
  assert.equal(f.basename, 'renamed.dat');
  assert.equal(f.nameext, '.dat');
  assert.equal(await readFile(f.path!, 'utf8'), 'A');
});

test('a File literal is written out and a Directory literal is created with its listing', async () => {
  const dir = await fixture();
  const stager = new InputStager(path.join(dir, 'stg'), 'job');
  const staged = await stager.stageInputs({
    lit: { class: 'File', basename: 'x.txt', contents: 'hello' },
    d: { class: 'Directory', basename: 'd1', listing: [{ class: 'File', basename: 'y.txt', contents: 'yy' }, file(path.join(dir, 'a.txt'))] },
    rec: { inner: { class: 'File', basename: 'z', contents: 'zz' } },
  });
  const lit = staged.lit as CwlFile;
  assert.equal(await readFile(lit.path!, 'utf8'), 'hello');
  const d = staged.d as CwlDirectory;
  assert.equal(path.basename(d.path!), 'd1');
  assert.equal(await readFile(path.join(d.path!, 'y.txt'), 'utf8'), 'yy');
  assert.equal(await readFile(path.join(d.path!, 'a.txt'), 'utf8'), 'A');
  assert.equal(((d.listing![0]) as CwlFile).path, path.join(d.path!, 'y.txt'));
  const inner = (staged.rec as { inner: CwlFile }).inner;
  assert.equal(await readFile(inner.path!, 'utf8'), 'zz');
});

test('staging records the real sources of inputs (pass-through outputs may point at them)', async () => {
  const dir = await fixture();
  const stager = new InputStager(path.join(dir, 'stg'), 'job');
  await stager.stageInputs({ f: file(path.join(dir, 'a.txt'), { secondaryFiles: [file(path.join(dir, 'other', 'b.sec'))] }) });
  assert.deepEqual([...stager.sources].sort(), [path.join(dir, 'a.txt'), path.join(dir, 'other', 'b.sec')]);
});

test('a remote location cannot be staged: PCWL_STAGING_FAILED naming it', async () => {
  const dir = await fixture();
  const stager = new InputStager(path.join(dir, 'stg'), 'job');
  await assert.rejects(
    stager.stageInputs({ f: { class: 'File', location: 'https://example.com/data.txt' } }),
    (e: unknown) => e instanceof ParslCwlError && e.code === 'PCWL_STAGING_FAILED' && /example\.com/.test(e.message),
  );
});
