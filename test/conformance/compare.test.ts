/**
 * Each comparison rule of cwltest as its own test, against real files on disk.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { compareOutput, pythonEquals } from '../../src/conformance/compare.js';
import { parseJson } from '../../src/util/exactJson.js';
import { exactYaml4Schema } from '../../src/util/yamlValues.js';

let dir: string;
const opts = (): { baseDir: string } => ({ baseDir: dir });
const matches = (expected: unknown, actual: unknown): boolean => compareOutput(expected, actual, opts()) === undefined;
const sha1 = (text: string): string => `sha1$${createHash('sha1').update(text).digest('hex')}`;

/** An actual File object as a runner reports it, for a real file in the temp folder. */
function fileValue(name: string, text: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const file = path.join(dir, name);
  return { class: 'File', location: pathToFileURL(file).href, path: file, basename: path.basename(name), checksum: sha1(text), size: Buffer.byteLength(text), ...extra };
}

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'pcwl-compare-test-'));
  await writeFile(path.join(dir, 'hello.txt'), 'hello\n');
  await writeFile(path.join(dir, 'other.txt'), 'other text\n');
  await writeFile(path.join(dir, 'crlf.txt'), 'a\r\nb\r\n');
  await mkdir(path.join(dir, 'outdir', 'sub'), { recursive: true });
  await writeFile(path.join(dir, 'outdir', 'a.txt'), 'A');
  await writeFile(path.join(dir, 'outdir', 'b.txt'), 'BB');
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('values', () => {
  test('"Any" matches any value, null and a missing key', () => {
    assert.ok(matches('Any', 42));
    assert.ok(matches('Any', { a: [1] }));
    assert.ok(matches('Any', null));
    assert.ok(matches({ x: 'Any' }, {}));
  });

  test('an expected non-null value needs an actual value: missing or null fails', () => {
    assert.ok(!matches({ x: 1 }, {}));
    assert.ok(!matches({ x: 1 }, { x: null }));
    assert.ok(!matches({ x: 'text' }, {}));
  });

  test('an expected null matches a missing or null value, nothing else', () => {
    assert.ok(matches({ x: null }, {}));
    assert.ok(matches({ x: null }, { x: null }));
    assert.ok(!matches({ x: null }, { x: 0 }));
  });

  test('objects compare every expected key', () => {
    assert.ok(matches({ a: 1, b: 'x' }, { a: 1, b: 'x' }));
    const mismatch = compareOutput({ a: 1, b: 'x' }, { a: 1, b: 'y' }, opts());
    assert.equal(mismatch?.where, 'output.b');
  });

  test('an extra actual key fails unless its value is null', () => {
    assert.ok(!matches({ a: 1 }, { a: 1, extra: 0 }));
    assert.equal(compareOutput({ a: 1 }, { a: 1, extra: 'e' }, opts())?.where, 'output.extra');
    assert.ok(matches({ a: 1 }, { a: 1, extra: null }));
  });

  test('lists compare in order and must have the same length', () => {
    assert.ok(matches([1, 2, 3], [1, 2, 3]));
    assert.ok(!matches([1, 2, 3], [3, 2, 1]));
    assert.ok(!matches([1, 2], [1, 2, 3]));
    assert.ok(!matches([1, 2, 3], [1, 2]));
    assert.ok(!matches([1], { 0: 1 }));
  });

  test('scalars use loose numeric equality (1 == 1.0), strings stay strings', () => {
    assert.ok(matches({ n: 1 }, { n: 1.0 }));
    assert.ok(matches({ n: 2.5 }, { n: 2.5 }));
    assert.ok(!matches({ n: 1 }, { n: '1' }));
    assert.ok(!matches({ n: 1 }, { n: 2 }));
    assert.ok(!matches({ s: 'a' }, { s: 'b' }));
  });

  test('booleans equal numbers as in Python (true == 1), but not strings', () => {
    assert.ok(pythonEquals(true, 1));
    assert.ok(pythonEquals(false, 0));
    assert.ok(!pythonEquals(true, 'true'));
    assert.ok(matches({ b: true }, { b: true }));
    assert.ok(!matches({ b: true }, { b: false }));
  });

  test('exact integers as in Python: an int equals only the same int, a float only when it is exactly that int', () => {
    // Both sides as the harness parses them: the suite's YAML and the runner's stdout, integers exact.
    const yaml4 = createRequire(import.meta.url)('js-yaml-4') as { load(text: string, options: { schema: unknown }): unknown };
    const expected = yaml4.load('a_double: 1000000000000000000000000000000000000000000\nlong: 9007199254740993\n', { schema: exactYaml4Schema() });
    // 1e+42 is what a runner that loses the integer prints (a float): 10^42 + 44885712678075916785549312.
    assert.ok(!matches(expected, parseJson('{"a_double": 1e+42, "long": 9007199254740993}')));
    assert.ok(!matches(expected, parseJson('{"a_double": 1000000000000000000000000000000000000000000, "long": 9007199254740992}')));
    assert.ok(matches(expected, parseJson('{"a_double": 1000000000000000000000000000000000000000000, "long": 9007199254740993}')));
    assert.ok(!pythonEquals(10n ** 42n, 1e42));
    assert.ok(!pythonEquals(9007199254740993n, 9007199254740992));
    // A float that is exactly the integer: equal (2^53 and 2^60 are doubles).
    assert.ok(pythonEquals(9007199254740992n, 9007199254740992.0));
    assert.ok(pythonEquals(2n ** 60n, 2 ** 60));
    assert.ok(pythonEquals(10n ** 42n, 10n ** 42n));
    assert.ok(!pythonEquals(10n ** 42n, 10n ** 42n + 1n));
    assert.ok(!pythonEquals(10n ** 42n, '1000000000000000000000000000000000000000000'));
    assert.ok(!pythonEquals(1n, 1.5));
    // bool is an int in Python: True == 1, not 2^53 + 1.
    assert.ok(!pythonEquals(true, 9007199254740993n));
    assert.ok(pythonEquals(true, 1.0));
  });

  test('an expected object needs an actual object', () => {
    assert.ok(!matches({ a: { b: 1 } }, { a: [1] }));
    assert.ok(!matches({ a: { b: 1 } }, { a: 'b' }));
  });

  test('an absent expected output (null) fails against an object', () => {
    assert.ok(!matches(undefined, {}));
  });
});

describe('File', () => {
  test('the actual location must end with "/" + the expected location', () => {
    assert.ok(matches({ class: 'File', location: 'hello.txt' }, fileValue('hello.txt', 'hello\n')));
    const notSuffix = compareOutput({ class: 'File', location: 'ello.txt' }, fileValue('hello.txt', 'hello\n'), opts());
    assert.match(notSuffix?.reason ?? '', /does not end with \/ello\.txt/);
  });

  test('an actual value without "/" must equal the expected one', async () => {
    // A bare file name is resolved against the runner's working directory for the existence check.
    assert.ok(matches({ class: 'File', location: 'hello.txt' }, { class: 'File', location: 'hello.txt' }));
    assert.ok(!matches({ class: 'File', location: 'ello.txt' }, { class: 'File', location: 'hello.txt' }));
  });

  test('expected path is compared instead of location when present', () => {
    const actual = fileValue('hello.txt', 'hello\n');
    assert.ok(matches({ class: 'File', path: 'hello.txt', location: 'not-this-name' }, actual));
    assert.ok(!matches({ class: 'File', path: 'other.txt', location: 'hello.txt' }, actual));
  });

  test('the actual path is preferred over its location', () => {
    const actual = { ...fileValue('hello.txt', 'hello\n'), location: 'file:///nowhere/else.txt' };
    assert.ok(matches({ class: 'File', location: 'hello.txt' }, actual));
  });

  test('the actual file must exist on disk, even when the name matches or is "Any"', () => {
    const missing = { class: 'File', location: pathToFileURL(path.join(dir, 'gone.txt')).href };
    assert.match(compareOutput({ class: 'File', location: 'gone.txt' }, missing, opts())?.reason ?? '', /does not exist/);
    assert.ok(!matches({ class: 'File', location: 'Any' }, missing));
  });

  test('a file:// location is read as the file it names', () => {
    const actual = { class: 'File', location: pathToFileURL(path.join(dir, 'hello.txt')).href, checksum: sha1('hello\n'), size: 6 };
    assert.ok(matches({ class: 'File', location: 'hello.txt', checksum: sha1('hello\n'), size: 6 }, actual));
  });

  test('contents are read from disk and must equal the expected contents', () => {
    assert.ok(matches({ class: 'File', contents: 'hello\n' }, fileValue('hello.txt', 'hello\n')));
    // The runner's own `contents` field is not what is compared: the file on disk is.
    assert.ok(!matches({ class: 'File', contents: 'hello\n' }, { ...fileValue('other.txt', 'other text\n'), contents: 'hello\n' }));
  });

  test('contents are read with universal newlines, as Python text mode does', () => {
    assert.ok(matches({ class: 'File', contents: 'a\nb\n' }, fileValue('crlf.txt', 'a\r\nb\r\n')));
  });

  test('the sha1 checksum is computed from disk and must equal the expected one', () => {
    assert.ok(matches({ class: 'File', checksum: sha1('hello\n') }, fileValue('hello.txt', 'hello\n')));
    const actual = fileValue('hello.txt', 'hello\n');
    delete actual['checksum'];
    assert.ok(matches({ class: 'File', checksum: sha1('hello\n') }, actual), 'computed from disk, not taken from the runner');
    assert.ok(!matches({ class: 'File', checksum: sha1('something else') }, actual));
  });

  test('a checksum the runner reports must match the file on disk', () => {
    const lying = fileValue('hello.txt', 'hello\n', { checksum: sha1('not the contents') });
    const mismatch = compareOutput({ class: 'File', location: 'hello.txt' }, lying, opts());
    assert.equal(mismatch?.where, 'output.checksum');
    assert.match(mismatch?.reason ?? '', /the runner reported/);
  });

  test('the size is computed from disk and must equal the expected one', () => {
    const actual = fileValue('hello.txt', 'hello\n');
    delete actual['size'];
    assert.ok(matches({ class: 'File', size: 6 }, actual));
    assert.ok(matches({ class: 'File', size: 6.0 }, actual));
    assert.ok(!matches({ class: 'File', size: 7 }, actual));
  });

  test('a size the runner reports must match the file on disk', () => {
    const mismatch = compareOutput({ class: 'File', location: 'hello.txt' }, fileValue('hello.txt', 'hello\n', { size: 99 }), opts());
    assert.equal(mismatch?.where, 'output.size');
  });

  test('other keys (basename, format, secondaryFiles) compare recursively', () => {
    const actual = fileValue('hello.txt', 'hello\n', {
      format: 'http://edamontology.org/format_2330',
      secondaryFiles: [fileValue('other.txt', 'other text\n')],
    });
    assert.ok(matches({ class: 'File', basename: 'hello.txt', format: 'http://edamontology.org/format_2330', secondaryFiles: [{ class: 'File', basename: 'other.txt', checksum: sha1('other text\n') }] }, actual));
    assert.ok(!matches({ class: 'File', basename: 'other.txt' }, actual));
    assert.ok(!matches({ class: 'File', format: 'http://edamontology.org/format_1929' }, actual));
    assert.equal(compareOutput({ class: 'File', secondaryFiles: [{ class: 'File', checksum: sha1('x') }] }, actual, opts())?.where, 'output.secondaryFiles[0].checksum');
  });

  test('an expected File needs an actual File (class is one of the other keys)', () => {
    const asDirectory = { class: 'Directory', location: pathToFileURL(path.join(dir, 'outdir')).href, listing: [] };
    assert.ok(!matches({ class: 'File' }, asDirectory));
  });

  test('extra keys of the actual File are not an error', () => {
    assert.ok(matches({ class: 'File', location: 'hello.txt' }, fileValue('hello.txt', 'hello\n', { nameroot: 'hello', dirname: dir })));
  });
});

describe('Directory', () => {
  const dirValue = (listing: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    class: 'Directory',
    location: pathToFileURL(path.join(dir, 'outdir')).href + '/',
    path: path.join(dir, 'outdir') + '/',
    basename: 'outdir',
    listing,
    ...extra,
  });
  const a = (): Record<string, unknown> => ({ ...fileValue('outdir/a.txt', 'A'), basename: 'a.txt' });
  const b = (): Record<string, unknown> => ({ ...fileValue('outdir/b.txt', 'BB'), basename: 'b.txt' });

  test('each expected entry matches some actual entry, in any order', () => {
    const expected = { class: 'Directory', location: 'outdir', listing: [{ class: 'File', basename: 'b.txt', size: 2 }, { class: 'File', basename: 'a.txt', size: 1 }] };
    assert.ok(matches(expected, dirValue([a(), b()])));
    assert.ok(matches({ class: 'Directory', listing: [{ class: 'File', basename: 'a.txt' }] }, dirValue([b(), a()])), 'extra actual entries are fine');
  });

  test('an expected entry with no match fails', () => {
    const mismatch = compareOutput({ class: 'Directory', listing: [{ class: 'File', basename: 'c.txt' }] }, dirValue([a(), b()]), opts());
    assert.equal(mismatch?.where, 'output.listing[0]');
  });

  test('the actual value must be a Directory', () => {
    assert.match(compareOutput({ class: 'Directory', listing: [] }, a(), opts())?.reason ?? '', /expected a Directory/);
  });

  test('the actual Directory must have a listing', () => {
    const noListing = dirValue([]);
    delete noListing['listing'];
    assert.match(compareOutput({ class: 'Directory', listing: [] }, noListing, opts())?.reason ?? '', /no listing/);
  });

  test('the location rule applies with the trailing "/" removed, and the directory must exist', () => {
    assert.ok(matches({ class: 'Directory', location: 'outdir', listing: [] }, dirValue([])));
    assert.ok(!matches({ class: 'Directory', location: 'indir', listing: [] }, dirValue([])));
    const gone = { class: 'Directory', location: pathToFileURL(path.join(dir, 'gone')).href, listing: [] };
    assert.ok(!matches({ class: 'Directory', location: 'gone', listing: [] }, gone));
  });

  test('a Directory location must be a directory, not a file', () => {
    const fileAsDir = { class: 'Directory', location: pathToFileURL(path.join(dir, 'hello.txt')).href, listing: [] };
    assert.ok(!matches({ class: 'Directory', location: 'hello.txt', listing: [] }, fileAsDir));
  });

  test('other keys of a Directory compare recursively', () => {
    assert.ok(matches({ class: 'Directory', basename: 'outdir', listing: [] }, dirValue([])));
    assert.ok(!matches({ class: 'Directory', basename: 'indir', listing: [] }, dirValue([])));
  });

  test('nested directories are compared through their listings', () => {
    const sub = { class: 'Directory', location: pathToFileURL(path.join(dir, 'outdir', 'sub')).href, basename: 'sub', listing: [] };
    assert.ok(matches({ class: 'Directory', listing: [{ class: 'Directory', basename: 'sub', listing: [] }] }, dirValue([a(), sub])));
    assert.ok(!matches({ class: 'Directory', listing: [{ class: 'Directory', basename: 'sub', listing: [{ class: 'File', basename: 'x' }] }] }, dirValue([a(), sub])));
  });
});
