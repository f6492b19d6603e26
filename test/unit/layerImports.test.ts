/**
 * Layers import only the layers after them in data-path order (docs/architecture.md, "Layers"):
 * nothing under src/executors, src/dataflow or src/providers imports from src/cwl, statically,
 * as a type or with import(), at any depth of relative path; more generally no folder of src/
 * imports a folder above it in the order below; and no module imports itself through others.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../../src');

function sources(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) sources(full, out);
    else if (/\.(c|m)?ts$/.test(entry.name)) out.push(full);
  }
  return out;
}

/** Relative specifiers of `from '...'`, `import '...'` and `import('...')` in a source file. */
function relativeImports(text: string): string[] {
  const specs: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s+|\bimport\s*\(?\s*)(['"])(\.[^'"]*)\1/g)) specs.push(m[2]!);
  return specs;
}

test('executors, dataflow and providers import nothing from cwl', () => {
  const cwl = join(SRC, 'cwl');
  const upward: string[] = [];
  for (const layer of ['executors', 'dataflow', 'providers']) {
    for (const file of sources(join(SRC, layer))) {
      for (const spec of relativeImports(readFileSync(file, 'utf8'))) {
        const target = resolve(dirname(file), spec);
        if (target === cwl || target.startsWith(cwl + '/')) upward.push(`${relative(SRC, file)}: ${spec}`);
      }
    }
  }
  assert.deepEqual(upward, []);
});

/** src/'s folders from the top (the command line) to the bottom; a folder imports only its own rank or lower. */
const LAYER_RANK: Record<string, number> = { cli: 0, conformance: 1, config: 1, cwl: 2, dataflow: 3, executors: 4, providers: 5, process: 6, util: 7 };

function layerOf(file: string): string {
  return relative(SRC, file).split('/')[0]!;
}

test('every import points to the same layer or one below it', () => {
  const upward: string[] = [];
  for (const file of sources(SRC)) {
    const from = LAYER_RANK[layerOf(file)];
    if (from === undefined) continue;
    for (const spec of relativeImports(readFileSync(file, 'utf8'))) {
      const to = LAYER_RANK[layerOf(resolve(dirname(file), spec))];
      if (to !== undefined && to < from) upward.push(`${relative(SRC, file)}: ${spec}`);
    }
  }
  assert.deepEqual(upward, []);
});

test('no import cycle among the modules of src/', () => {
  const files = sources(SRC);
  const known = new Set(files);
  const edges = new Map<string, string[]>();
  for (const file of files) {
    const targets = relativeImports(readFileSync(file, 'utf8'))
      .map((spec) => resolve(dirname(file), spec).replace(/\.(c|m)?js$/, (ext) => ext.replace('js', 'ts')))
      .filter((t) => known.has(t));
    edges.set(file, targets);
  }
  // Depth-first search with three colours: meeting a grey module again is a cycle.
  const state = new Map<string, 'grey' | 'black'>();
  const cycles: string[] = [];
  const visit = (file: string, path: string[]): void => {
    state.set(file, 'grey');
    for (const next of edges.get(file) ?? []) {
      const s = state.get(next);
      if (s === 'grey') cycles.push([...path.slice(path.indexOf(next)), next].map((f) => relative(SRC, f)).join(' > '));
      else if (s === undefined) visit(next, [...path, next]);
    }
    state.set(file, 'black');
  };
  for (const file of files) if (!state.has(file)) visit(file, [file]);
  assert.deepEqual(cycles, []);
});

test('the check sees every form of import', () => {
  assert.deepEqual(relativeImports(`import type { A } from '../cwl/a.js';\nimport x from "../../cwl/b.js";\nconst m = import('../cwl/c/index.js');\nimport './side.js';`), [
    '../cwl/a.js',
    '../../cwl/b.js',
    '../cwl/c/index.js',
    './side.js',
  ]);
});
