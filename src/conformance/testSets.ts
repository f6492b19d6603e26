/**
 * The named test sets the harness can select with `--set`:
 * - `container`: the test's process lists DockerRequirement under `requirements` (needs a container engine);
 * - `tool`: the other tests whose process is a CommandLineTool, ExpressionTool or Operation;
 * - `workflow`: the other tests whose process is a Workflow.
 * The lists come from `conformance-sets/<set>.txt` beside the suite when present (one id per line,
 * maintained with the suite copy); otherwise each test's process document is read and classified.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ConformanceTest } from './testList.js';

export const TEST_SETS = ['tool', 'workflow', 'container'] as const;
export type TestSetName = (typeof TEST_SETS)[number];

export function isTestSetName(name: string): name is TestSetName {
  return (TEST_SETS as readonly string[]).includes(name);
}

/** Where the set lists for a suite folder live when present: `<suite>/../conformance-sets/`. */
export function setListDir(suiteDir: string): string {
  return path.join(path.dirname(path.resolve(suiteDir)), 'conformance-sets');
}

/** The ids in each requested set, and where they came from (a set list file or classification). */
export async function testSetIds(
  names: TestSetName[],
  tests: ConformanceTest[],
  suiteDir: string,
): Promise<{ ids: Set<string>; source: string }> {
  const dir = setListDir(suiteDir);
  const listed = names.every((name) => existsSync(path.join(dir, `${name}.txt`)));
  const ids = new Set<string>();
  if (listed) {
    for (const name of names) {
      const text = await readFile(path.join(dir, `${name}.txt`), 'utf8');
      for (const line of text.split('\n')) if (line.trim() !== '') ids.add(line.trim());
    }
    return { ids, source: dir };
  }
  const wanted = new Set<TestSetName>(names);
  const documents = new Map<string, Promise<unknown>>();
  for (const test of tests) {
    const set = await classifyTest(test, suiteDir, documents);
    if (wanted.has(set)) ids.add(test.id);
  }
  return { ids, source: 'classified from the process documents' };
}

/** Which set a test belongs to, from its process document. */
export async function classifyTest(test: ConformanceTest, suiteDir: string, cache = new Map<string, Promise<unknown>>()): Promise<TestSetName> {
  const hash = test.tool.indexOf('#');
  const file = path.resolve(suiteDir, hash === -1 ? test.tool : test.tool.slice(0, hash));
  const fragment = hash === -1 ? undefined : test.tool.slice(hash + 1);
  let doc = cache.get(file);
  if (!doc) {
    doc = loadYaml(file);
    cache.set(file, doc);
  }
  const process = selectProcess(await doc, fragment);
  if (hasDockerRequirement(process['requirements'])) return 'container';
  return process['class'] === 'Workflow' ? 'workflow' : 'tool';
}

async function loadYaml(file: string): Promise<unknown> {
  const { load } = await import('js-yaml-4');
  try {
    return load(await readFile(file, 'utf8'), { filename: file });
  } catch {
    // An unreadable or malformed document is what some should_fail tests exercise; it is no container test.
    return {};
  }
}

/** The process a `file#fragment` reference names: a `$graph` entry (default `main`) or the document. */
function selectProcess(doc: unknown, fragment: string | undefined): Record<string, unknown> {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return {};
  const record = doc as Record<string, unknown>;
  const graph = record['$graph'];
  if (!Array.isArray(graph)) return record;
  const want = fragment ?? 'main';
  const found = graph.find((entry) => {
    const id = (entry as Record<string, unknown> | null)?.['id'];
    return typeof id === 'string' && (id === want || id === `#${want}`);
  });
  return typeof found === 'object' && found !== null ? (found as Record<string, unknown>) : {};
}

function hasDockerRequirement(requirements: unknown): boolean {
  if (Array.isArray(requirements)) {
    return requirements.some((r) => typeof r === 'object' && r !== null && (r as Record<string, unknown>)['class'] === 'DockerRequirement');
  }
  return typeof requirements === 'object' && requirements !== null && Object.hasOwn(requirements, 'DockerRequirement');
}
