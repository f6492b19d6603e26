/**
 * Reads a conformance test list (conformance_tests.yaml) and the lists it `$import`s into one flat,
 * ordered list of tests. `tool` and `job` are resolved relative to the file that names them, then
 * expressed relative to the suite folder, because that is how the runner is given them (cwltest runs
 * the runner from the suite folder with those relative paths).
 *
 * YAML: the suite's test lists continue flow sequences at their parent's indentation, which
 * cwltest's parser (ruamel) and js-yaml 4 accept but js-yaml 5 rejects, hence js-yaml 4 here.
 */
import { exactYaml4Schema } from '../util/yamlValues.js';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestListInvalidError } from './errors.js';

/** One test of the suite, as the harness runs it. */
export interface ConformanceTest {
  /** The test's `id` (the number in the suite when it has none). */
  id: string;
  /** 1-based position in the suite, after `$import`s are expanded (cwltest's test number). */
  number: number;
  doc: string;
  /** The process to run, relative to the suite folder when inside it, with any `#fragment`. */
  tool: string;
  /** The job (input object) file, relative to the suite folder when inside it; absent for no job. */
  job?: string;
  /** The expected output object; `undefined` when the test lists none. */
  output: unknown;
  shouldFail: boolean;
  /** The tags as listed (empty when the test has none). */
  tags: string[];
  /** A test without tags counts as `required` (cwltest's default). */
  required: boolean;
  /** The test list file that declares this test. */
  listFile: string;
}

export interface TestList {
  /** The folder the runner runs in and the test paths are relative to. */
  suiteDir: string;
  listFile: string;
  tests: ConformanceTest[];
}

/** Loads a test list file and every list it `$import`s. */
export async function loadTestList(listFile: string, suiteDir: string = path.dirname(listFile)): Promise<TestList> {
  const tests: ConformanceTest[] = [];
  await readList(path.resolve(listFile), path.resolve(suiteDir), tests, new Set());
  const seen = new Map<string, ConformanceTest>();
  for (const test of tests) {
    const other = seen.get(test.id);
    if (other) throw new TestListInvalidError(test.listFile, `test id '${test.id}' is also used by test ${other.number} in ${other.listFile}; ids must be unique`);
    seen.set(test.id, test);
  }
  return { suiteDir: path.resolve(suiteDir), listFile: path.resolve(listFile), tests };
}

async function readList(file: string, suiteDir: string, into: ConformanceTest[], importing: Set<string>): Promise<void> {
  if (importing.has(file)) throw new TestListInvalidError(file, 'imports itself (an $import cycle)');
  importing.add(file);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new TestListInvalidError(file, `cannot read the test list: ${(err as Error).message}`, { cause: err });
  }
  const { load } = await import('js-yaml-4');
  let doc: unknown;
  try {
    // Integers exact, as cwltest's Python reads them: 10^42 in an expected output is an int.
    doc = load(text, { filename: file, schema: exactYaml4Schema() });
  } catch (err) {
    throw new TestListInvalidError(file, `not valid YAML: ${(err as Error).message}`, { cause: err });
  }
  if (!Array.isArray(doc)) throw new TestListInvalidError(file, 'a test list must be a YAML list of tests');
  const dir = path.dirname(file);
  for (const [index, entry] of doc.entries()) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new TestListInvalidError(file, `entry ${index + 1} is not a mapping`);
    }
    const fields = entry as Record<string, unknown>;
    const imported = fields['$import'];
    if (imported !== undefined) {
      if (typeof imported !== 'string') throw new TestListInvalidError(file, `entry ${index + 1}: $import must be a file name`);
      await readList(path.resolve(dir, imported), suiteDir, into, importing);
      continue;
    }
    // An expected output may be kept in its own file (`output: {$import: compare-output.json}`, as
    // cwltest reads it): read relative to this list.
    const output = fields['output'];
    if (typeof output === 'object' && output !== null && !Array.isArray(output) && Object.keys(output).length === 1 && typeof (output as Record<string, unknown>)['$import'] === 'string') {
      const outFile = path.resolve(dir, (output as Record<string, string>)['$import'] as string);
      try {
        fields['output'] = load(await readFile(outFile, 'utf8'), { filename: outFile, schema: exactYaml4Schema() });
      } catch (err) {
        throw new TestListInvalidError(file, `entry ${index + 1}: cannot read its expected output ${outFile}: ${(err as Error).message}`, { cause: err });
      }
    }
    into.push(toTest(fields, file, dir, suiteDir, into.length + 1, index + 1));
  }
  importing.delete(file);
}

function toTest(fields: Record<string, unknown>, file: string, dir: string, suiteDir: string, number: number, entry: number): ConformanceTest {
  const bad = (reason: string): never => {
    throw new TestListInvalidError(file, `entry ${entry}${typeof fields['id'] === 'string' ? ` (${fields['id']})` : ''}: ${reason}`);
  };
  const id = fields['id'];
  if (id !== undefined && typeof id !== 'string' && typeof id !== 'number') bad('id must be a string or a number');
  const tool = fields['tool'];
  if (typeof tool !== 'string') return bad('tool must be a file name');
  const job = fields['job'];
  if (job !== undefined && job !== null && typeof job !== 'string') bad('job must be a file name');
  const tags = fields['tags'];
  if (tags !== undefined && !(Array.isArray(tags) && tags.every((t) => typeof t === 'string'))) bad('tags must be a list of strings');
  const shouldFail = fields['should_fail'];
  if (shouldFail !== undefined && typeof shouldFail !== 'boolean') bad('should_fail must be true or false');
  const doc = fields['doc'];
  const test: ConformanceTest = {
    id: id === undefined ? String(number) : String(id),
    number,
    doc: typeof doc === 'string' ? doc.trim() : '',
    tool: runnerPath(tool, dir, suiteDir),
    output: fields['output'],
    shouldFail: shouldFail === true,
    tags: (tags as string[] | undefined) ?? [],
    required: tags === undefined || (tags as string[]).includes('required'),
    listFile: file,
  };
  if (typeof job === 'string' && job !== '') test.job = runnerPath(job, dir, suiteDir);
  return test;
}

/** A path as the runner is given it: relative to the suite folder when inside it, keeping any #fragment. */
function runnerPath(ref: string, dir: string, suiteDir: string): string {
  const hash = ref.indexOf('#');
  const file = hash === -1 ? ref : ref.slice(0, hash);
  const fragment = hash === -1 ? '' : ref.slice(hash);
  const absolute = file.startsWith('file://') ? fileURLToPath(file) : path.resolve(dir, file);
  const relative = path.relative(suiteDir, absolute);
  const inside = relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
  return (inside ? relative : absolute) + fragment;
}
