/**
 * Layers import only the layers after them in data-path order (docs/architecture.md, "Layers"):
 * nothing under src/executors, src/dataflow or src/providers imports from src/cwl, statically,
 * as a type or with import(), at any depth of relative path.
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

test('the check sees every form of import', () => {
  assert.deepEqual(relativeImports(`import type { A } from '../cwl/a.js';\nimport x from "../../cwl/b.js";\nconst m = import('../cwl/c/index.js');\nimport './side.js';`), [
    '../cwl/a.js',
    '../../cwl/b.js',
    '../cwl/c/index.js',
    './side.js',
  ]);
});
