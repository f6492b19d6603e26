/**
 * docs/api.md: its examples compile with strict tsc against the package as a program imports it,
 * and together they import every public name pinned in publicApi.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as api from '../../src/index.js';
import { packageProject } from './fixtures.js';

const repo = resolve(import.meta.dirname, '../../..');

test('every docs/api.md example compiles with strict tsc, and the examples import every public name', { timeout: 120_000 }, () => {
  const doc = readFileSync(join(repo, 'docs', 'api.md'), 'utf8');
  const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
  assert.ok(blocks.length >= 5, 'api.md has its examples');
  const values = new Set<string>();
  const types = new Set<string>();
  const importLine = /import (type )?\{([^}]*)\} from 'parsl-cwl';\n/g;
  for (const block of blocks) {
    for (const m of block.matchAll(importLine)) {
      for (const n of m[2]!.split(',').map((s) => s.trim()).filter(Boolean)) (m[1] ? types : values).add(n);
    }
  }
  // Each example is a fragment: imports are gathered at the top, and the few names one example
  // takes from another (a kernel, a future, a loaded process) are declared.
  const source = [
    `import { ${[...values].sort().join(', ')} } from 'parsl-cwl';`,
    `import type { ${[...types].filter((n) => !values.has(n)).sort().join(', ')} } from 'parsl-cwl';`,
    'declare const dfk: DataFlowKernel; declare const future: AppFuture<BashResult>; declare const proc: Process;',
    ...blocks.map((b, i) => `export async function example${i}() {\n${b.replace(importLine, '')}\n}`),
  ].join('\n');

  const dir = packageProject('pcwl-apidoc-', repo, { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: true, noEmit: true, types: ['node'], typeRoots: [join(repo, 'node_modules', '@types')] });
  writeFileSync(join(dir, 'examples.ts'), source);
  const tsc = spawnSync(join(repo, 'node_modules', '.bin', 'tsc'), ['-p', dir], { encoding: 'utf8' });
  assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);

  const dts = readFileSync(join(repo, 'dist', 'src', 'index.d.ts'), 'utf8');
  const publicNames = [...dts.matchAll(/export (?:type )?\{([^}]*)\}/g)].flatMap((m) => m[1]!.split(',').map((s) => s.trim().replace(/^type\s+/, '')).filter(Boolean));
  assert.ok(publicNames.length > Object.keys(api).length, 'the index has type exports too');
  const shown = new Set([...values, ...types]);
  assert.deepEqual(publicNames.filter((n) => !shown.has(n)), [], 'public names without an example in docs/api.md');
});
