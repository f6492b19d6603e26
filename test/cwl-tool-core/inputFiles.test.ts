import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadInputContents, resolveInputSecondaryFiles } from '../../src/cwl/commandLine/index.js';
import { ExpressionEvaluator } from '../../src/cwl/expressions/index.js';
import { InputFileMissingError, InputInvalidError } from '../../src/cwl/errors.js';
import { ErrorCode } from '../../src/util/errors.js';
import type { CwlFile, InputParameter } from '../../src/cwl/model.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pcwl-inputs-'));
  await writeFile(path.join(dir, 'small.txt'), 'small');
  await writeFile(path.join(dir, 'big.txt'), 'z'.repeat(64 * 1024 + 10));
  await mkdir(path.join(dir, 'rec'));
  for (const f of ['A', 'A.s2', 'B', 'B.s3', 'reads.bam', 'reads.bai']) await writeFile(path.join(dir, 'rec', f), f);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});
const file = (...p: string[]): CwlFile => {
  const full = path.join(dir, ...p);
  return { class: 'File', location: pathToFileURL(full).href, path: full, basename: path.basename(full) };
};
const refs = new ExpressionEvaluator({ javascript: false });
const js = new ExpressionEvaluator({ javascript: true });

test('loadContents on an input (or v1.0 inputBinding.loadContents) fills contents; arrays too', async () => {
  const params: InputParameter[] = [
    { id: 'a', type: 'File', loadContents: true },
    { id: 'b', type: { type: 'array', items: 'File' }, inputBinding: { loadContents: true } },
    { id: 'c', type: 'File' },
  ];
  const inputs = { a: file('small.txt'), b: [file('small.txt')], c: file('small.txt') };
  const out = await loadInputContents(params, inputs);
  assert.equal((out.a as CwlFile).contents, 'small');
  assert.equal((out.b as CwlFile[])[0]?.contents, 'small');
  assert.equal((out.c as CwlFile).contents, undefined);
  assert.equal(inputs.a.contents, undefined, 'the given object is not changed');
});

test('loadContents on an input over 64 KiB fails with InputInvalidError (loadcontents_limit)', async () => {
  await assert.rejects(loadInputContents([{ id: 'a', type: 'File', loadContents: true }], { a: file('big.txt') }), (e: unknown) => e instanceof InputInvalidError && e.code === ErrorCode.InputInvalid && /64 KiB/.test(e.message));
});

test('input secondaryFiles are found by pattern, in records and arrays (secondary_files_in_unnamed_records)', async () => {
  const params: InputParameter[] = [
    {
      id: 'r',
      type: {
        type: 'record',
        fields: [
          { name: 'f1', type: 'File', secondaryFiles: [{ pattern: '.s2' }] },
          { name: 'f2', type: { type: 'array', items: 'File' }, secondaryFiles: [{ pattern: '.s3' }] },
        ],
      },
    },
    { id: 'bam', type: 'File', secondaryFiles: [{ pattern: '^.bai' }, { pattern: '.csi', required: false }] },
  ];
  const out = await resolveInputSecondaryFiles(params, { r: { f1: file('rec', 'A'), f2: [file('rec', 'B')] }, bam: file('rec', 'reads.bam') }, refs);
  const r = out.r as { f1: CwlFile; f2: CwlFile[] };
  assert.deepEqual(r.f1.secondaryFiles?.map((s) => s.basename), ['A.s2']);
  assert.deepEqual(r.f2[0]?.secondaryFiles?.map((s) => s.basename), ['B.s3']);
  assert.deepEqual((out.bam as CwlFile).secondaryFiles?.map((s) => s.path), [path.join(dir, 'rec', 'reads.bai')]);
});

test('a required input secondary file that does not exist is InputFileMissingError', async () => {
  await assert.rejects(
    resolveInputSecondaryFiles([{ id: 'bam', type: 'File', secondaryFiles: [{ pattern: '.nothere' }] }], { bam: file('rec', 'reads.bam') }, refs),
    (e: unknown) => e instanceof InputFileMissingError && e.code === ErrorCode.InputFileMissing && /reads\.bam\.nothere/.test(e.message),
  );
});

test('secondary files the job lists are kept; expressions may name files and return null', async () => {
  const given = file('rec', 'A.s2');
  const out = await resolveInputSecondaryFiles(
    [{ id: 'f', type: 'File', secondaryFiles: [{ pattern: '.s2' }, { pattern: '${ return self.basename == "A" ? null : "x"; }' }] }],
    { f: { ...file('rec', 'A'), secondaryFiles: [given] } },
    js,
  );
  assert.deepEqual((out.f as CwlFile).secondaryFiles, [given]);
});
