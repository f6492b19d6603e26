/**
 * Judges a runner's output object against a test's expected `output`, with the semantics of
 * cwltest (common-workflow-language/cwltest, compare.py), so counts agree with cwltest's:
 *
 * - `"Any"` matches anything, also null or a missing key; an expected non-null value needs an actual one.
 * - Objects: every expected key is compared; an extra actual key fails unless its value is null.
 * - Lists: same length, compared in order. Scalars: Python equality (1 == 1.0, true == 1), on exact
 *   numbers: both sides are parsed with integers exact, so 10^42 (an int) is not 1e42 (a float).
 * - File: the actual `path` (else `location`) must exist on disk and end with "/" + the expected
 *   `path` (else `location`), or equal it when it has no "/"; `contents` is read from disk; the
 *   sha1 checksum and size are computed from disk and must equal both the expected ones and any the
 *   runner reported; every other expected key (basename, class, format, secondaryFiles…) recursively.
 * - Directory: must be a Directory with a `listing`; each expected entry matches some actual entry
 *   (any order); then the File rules for location and other keys.
 */
import { stringifyJson } from '../util/index.js';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Why an output did not match: where in the output object, and a one-line reason. */
export interface OutputMismatch {
  /** A path into the output object, e.g. `out.listing[1].checksum` (`output` for the whole object). */
  where: string;
  reason: string;
  /** The expected and actual values at `where`, for --show-failures. */
  expected: unknown;
  actual: unknown;
}

export interface CompareOptions {
  /** Relative paths in the output are read relative to this folder (the runner's working directory). */
  baseDir: string;
}

/** Thrown inside the comparison to unwind to {@link compareOutput}; never escapes it. */
class Mismatch extends Error {
  constructor(
    readonly where: string,
    readonly reason: string,
    readonly expected: unknown,
    readonly actual: unknown,
  ) {
    super(`${where}: ${reason}`);
  }
}

type Json = Record<string, unknown>;

/** Compares the whole output object; `undefined` means it matches. */
export function compareOutput(expected: unknown, actual: unknown, options: CompareOptions): OutputMismatch | undefined {
  try {
    compareValue(expected, actual, 'output', options);
    return undefined;
  } catch (err) {
    if (err instanceof Mismatch) return { where: err.where, reason: err.reason, expected: err.expected, actual: err.actual };
    // cwltest turns any exception during comparison (unreadable file, wrong type) into a failure.
    return { where: 'output', reason: `comparison failed: ${err instanceof Error ? err.message : String(err)}`, expected, actual };
  }
}

function compareValue(expected: unknown, actual: unknown, where: string, options: CompareOptions): void {
  if (expected === 'Any') return;
  const exp = expected ?? null;
  const act = actual ?? null;
  if (exp !== null && act === null) {
    throw new Mismatch(where, `expected ${show(exp)}, got ${actual === undefined ? 'nothing' : 'null'}`, exp, act);
  }
  if (isObject(exp)) {
    if (!isObject(act)) throw new Mismatch(where, `expected an object, got ${show(act)}`, exp, act);
    if (exp['class'] === 'File') compareFile(exp, act, where, options);
    else if (exp['class'] === 'Directory') compareDirectory(exp, act, where, options);
    else compareObject(exp, act, where, options);
  } else if (Array.isArray(exp)) {
    if (!Array.isArray(act)) throw new Mismatch(where, `expected a list, got ${show(act)}`, exp, act);
    if (exp.length !== act.length) {
      throw new Mismatch(where, `expected a list of ${exp.length}, got a list of ${act.length}`, exp, act);
    }
    exp.forEach((item, i) => compareValue(item, act[i], `${where}[${i}]`, options));
  } else if (!pythonEquals(exp, act)) {
    throw new Mismatch(where, `expected ${show(exp)}, got ${show(act)}`, exp, act);
  }
}

function compareObject(expected: Json, actual: Json, where: string, options: CompareOptions): void {
  for (const key of Object.keys(expected)) compareValue(expected[key], actual[key], `${where}.${key}`, options);
  for (const key of Object.keys(actual)) {
    if (!Object.hasOwn(expected, key) && actual[key] !== null) {
      throw new Mismatch(`${where}.${key}`, `unexpected key '${key}' = ${show(actual[key])}`, undefined, actual[key]);
    }
  }
}

/** Keys of an expected File/Directory that have their own rule instead of plain recursion. */
const FILE_RULE_KEYS = new Set(['path', 'location', 'listing', 'contents', 'checksum', 'size']);

function compareFile(expected: Json, actual: Json, where: string, options: CompareOptions): void {
  compareLocation(expected, actual, where, options);
  if (Object.hasOwn(expected, 'contents')) compareContents(expected, actual, where, options);
  if (actual['class'] === 'File') {
    compareChecksum(expected, actual, where, options);
    compareSize(expected, actual, where, options);
  }
  for (const key of Object.keys(expected)) {
    if (!FILE_RULE_KEYS.has(key)) compareValue(expected[key], actual[key], `${where}.${key}`, options);
  }
}

function compareDirectory(expected: Json, actual: Json, where: string, options: CompareOptions): void {
  if (actual['class'] !== 'Directory') {
    throw new Mismatch(where, `expected a Directory, got ${show(actual['class'] ?? actual)}`, expected, actual);
  }
  if (!Object.hasOwn(actual, 'listing')) throw new Mismatch(where, 'the Directory has no listing', expected, actual);
  const wanted = expected['listing'];
  if (!Array.isArray(wanted)) throw new Mismatch(where, 'the expected Directory has no listing list', expected, actual);
  const got = actual['listing'];
  wanted.forEach((entry, i) => {
    const found = Array.isArray(got) && got.some((candidate) => compareOutput(entry, candidate, options) === undefined);
    if (!found) {
      throw new Mismatch(`${where}.listing[${i}]`, `no entry of the actual listing matches ${show(entry)}`, entry, got);
    }
  });
  compareFile(expected, actual, where, options);
}

/** The actual value the File rules read: `path` when the runner reported one, else `location`. */
function actualPathOf(actual: Json, where: string): string {
  const value = Object.hasOwn(actual, 'path') ? actual['path'] : actual['location'];
  if (typeof value !== 'string') throw new Mismatch(where, 'the actual File/Directory has no path or location string', undefined, actual);
  return value;
}

function compareLocation(expected: Json, actual: Json, where: string, options: CompareOptions): void {
  const key = Object.hasOwn(expected, 'path') ? 'path' : Object.hasOwn(expected, 'location') ? 'location' : undefined;
  if (key === undefined) return;
  const isDirectory = actual['class'] === 'Directory';
  let value = actualPathOf(actual, where);
  if (isDirectory) value = value.replace(/\/+$/, '');
  if (!existsOnDisk(value, isDirectory, options)) {
    throw new Mismatch(`${where}.${key}`, `${value} does not exist (as a ${isDirectory ? 'directory' : 'file'})`, expected[key], value);
  }
  const want = expected[key];
  if (want === 'Any') return;
  if (typeof want !== 'string') throw new Mismatch(`${where}.${key}`, `expected ${key} is not a string: ${show(want)}`, want, value);
  if (!(value.endsWith('/' + want) || (!value.includes('/') && value === want))) {
    throw new Mismatch(`${where}.${key}`, `${value} does not end with /${want}`, want, value);
  }
}

function compareContents(expected: Json, actual: Json, where: string, options: CompareOptions): void {
  // cwltest opens the actual `path` (or the `location` it copied into `path`) as a plain file name.
  const file = Object.hasOwn(actual, 'path') ? actual['path'] : Object.hasOwn(expected, 'path') ? actual['location'] : undefined;
  if (typeof file !== 'string') throw new Mismatch(`${where}.contents`, 'the actual File has no path to read contents from', expected['contents'], actual);
  const text = readText(path.resolve(options.baseDir, file));
  if (text !== expected['contents']) {
    throw new Mismatch(`${where}.contents`, `file contents ${show(text)} differ from the expected ${show(expected['contents'])}`, expected['contents'], text);
  }
}

function compareChecksum(expected: Json, actual: Json, where: string, options: CompareOptions): void {
  const file = diskPath(actualPathOf(actual, where), options);
  const onDisk = `sha1$${createHash('sha1').update(readFileSync(file)).digest('hex')}`;
  if (Object.hasOwn(actual, 'checksum') && actual['checksum'] !== onDisk) {
    throw new Mismatch(`${where}.checksum`, `the runner reported ${show(actual['checksum'])} but the file on disk has ${onDisk}`, onDisk, actual['checksum']);
  }
  if (Object.hasOwn(expected, 'checksum') && expected['checksum'] !== onDisk) {
    throw new Mismatch(`${where}.checksum`, `the file on disk has ${onDisk}, expected ${show(expected['checksum'])}`, expected['checksum'], onDisk);
  }
}

function compareSize(expected: Json, actual: Json, where: string, options: CompareOptions): void {
  const onDisk = statSync(diskPath(actualPathOf(actual, where), options)).size;
  if (Object.hasOwn(actual, 'size') && !pythonEquals(actual['size'], onDisk)) {
    throw new Mismatch(`${where}.size`, `the runner reported size ${show(actual['size'])} but the file on disk has ${onDisk} bytes`, onDisk, actual['size']);
  }
  if (Object.hasOwn(expected, 'size') && !pythonEquals(expected['size'], onDisk)) {
    throw new Mismatch(`${where}.size`, `the file on disk has ${onDisk} bytes, expected ${show(expected['size'])}`, expected['size'], onDisk);
  }
}

/** A `file://` URI or a path (relative to the runner's working directory) as a filesystem path. */
function diskPath(value: string, options: CompareOptions): string {
  return value.startsWith('file://') ? fileURLToPath(value) : path.resolve(options.baseDir, value);
}

function existsOnDisk(value: string, directory: boolean, options: CompareOptions): boolean {
  try {
    const stat = statSync(diskPath(value, options)); // follows symlinks, as os.path.isfile/isdir do
    return directory ? stat.isDirectory() : stat.isFile();
  } catch {
    return false;
  }
}

/** Reads a file as Python's text mode does: strict UTF-8, universal newlines. */
function readText(file: string): string {
  const text = new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(file));
  return text.replace(/\r\n?/g, '\n');
}

/**
 * Python `==` on JSON values, as cwltest compares scalars. Both sides come from exact parsing
 * (src/util/exactJson.ts): an integer outside Number's safe range is a BigInt, so an int equals only the
 * same int (10^42 is not the float 1e42, whose value is 10^42 + 44885712678075916785549312), an int
 * equals a float only when the float is exactly that integer, and booleans are the ints 0 and 1
 * (True == 1 == 1.0 in Python). Numbers from integer literals within the safe range are exact, so
 * Number equality is Python's there.
 */
export function pythonEquals(a: unknown, b: unknown): boolean {
  const x = a ?? null;
  const y = b ?? null;
  if (x === null || y === null) return x === y;
  if (isNumeric(x) && isNumeric(y)) return numbersEqual(x, y);
  if (typeof x === 'string' || typeof y === 'string') return x === y;
  if (Array.isArray(x) || Array.isArray(y)) {
    return Array.isArray(x) && Array.isArray(y) && x.length === y.length && x.every((v, i) => pythonEquals(v, y[i]));
  }
  if (isObject(x) && isObject(y)) {
    const keys = Object.keys(x);
    return keys.length === Object.keys(y).length && keys.every((k) => Object.hasOwn(y, k) && pythonEquals(x[k], y[k]));
  }
  return false;
}

type Numeric = number | bigint | boolean;

function isNumeric(v: unknown): v is Numeric {
  return typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean';
}

function numbersEqual(a: Numeric, b: Numeric): boolean {
  const x = typeof a === 'boolean' ? Number(a) : a;
  const y = typeof b === 'boolean' ? Number(b) : b;
  if (typeof x === typeof y) return x === y;
  // One BigInt (an int), one Number: equal only when the Number is exactly that integer.
  const [big, num] = (typeof x === 'bigint' ? [x, y] : [y, x]) as [bigint, number];
  return Number.isInteger(num) && BigInt(num) === big;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  const text = stringifyJson(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
