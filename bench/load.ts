/**
 * Loading and input preparation costs, each in a fresh Node process (what a tool run pays):
 *  - load: `loadProcess` of a small tool, including importing the loader and cwl-ts-auto;
 *  - inputs (cold): `prepareInputs` with an empty validator cache (imports and runs ajv);
 *  - inputs (warm): the same with the validator cached on disk (no ajv import);
 *  - in-process: a second `loadProcess` of the same tool (cwl-ts-auto already loaded).
 * Also the whole conformance suite's documents in one process with a shared LoadCache.
 * Usage: npm run build && node dist/bench/load.js [runs]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const runs = Number(process.argv[2] ?? 7);
const here = new URL('.', import.meta.url);
const loadIndex = new URL('../src/cwl/load/index.js', here).href;
const inputsIndex = new URL('../src/cwl/inputs/index.js', here).href;
const dir = mkdtempSync(join(tmpdir(), 'pcwl-bench-load-'));
const tool = join(dir, 'echo.cwl');
writeFileSync(tool, 'cwlVersion: v1.2\nclass: CommandLineTool\nbaseCommand: echo\ninputs:\n  message:\n    type: string\n    inputBinding: {position: 1}\noutputs: []\n');

const probe = `
const t0 = performance.now();
const { loadProcess } = await import(${JSON.stringify(loadIndex)});
const { prepareInputs } = await import(${JSON.stringify(inputsIndex)});
const t1 = performance.now();
const p = await loadProcess(${JSON.stringify(tool)});
const t2 = performance.now();
await prepareInputs(p, { message: 'hi' });
const t3 = performance.now();
await loadProcess(${JSON.stringify(tool)});
const t4 = performance.now();
console.log(JSON.stringify({ imports: t1 - t0, load: t2 - t1, inputs: t3 - t2, again: t4 - t3 }));
`;

type Sample = { imports: number; load: number; inputs: number; again: number };
function sample(cacheDir: string): Sample {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', probe], { env: { ...process.env, PARSL_CWL_CACHE_DIR: cacheDir } });
  return JSON.parse(out.toString()) as Sample;
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

const cold: Sample[] = [];
const warm: Sample[] = [];
for (let i = 0; i < runs; i++) {
  const cacheDir = join(dir, `cache-${i}`);
  cold.push(sample(cacheDir));
  warm.push(sample(cacheDir));
}
const fmt = (n: number): string => `${n.toFixed(1)} ms`;
console.log(`median of ${runs} fresh processes each:`);
console.log(`  import loader + inputs modules  ${fmt(median(cold.map((s) => s.imports)))}`);
console.log(`  loadProcess (cwl-ts-auto cold)  ${fmt(median(cold.map((s) => s.load)))}`);
console.log(`  prepareInputs, validator cold   ${fmt(median(cold.map((s) => s.inputs)))}`);
console.log(`  prepareInputs, validator cached ${fmt(median(warm.map((s) => s.inputs)))}`);
console.log(`  loadProcess again, same process ${fmt(median(cold.map((s) => s.again)))}`);

const suite = process.env.CWL_V12_SUITE ?? '/work/shared/cwl-v1.2';
if (existsSync(join(suite, 'tests'))) {
  const { loadProcess, LoadCache } = (await import(loadIndex)) as typeof import('../src/cwl/load/index.js');
  const { readdirSync } = await import('node:fs');
  const docs = readdirSync(join(suite, 'tests')).filter((f) => f.endsWith('.cwl'));
  const cache = new LoadCache();
  const t0 = performance.now();
  let loaded = 0;
  for (const f of docs) {
    try {
      await loadProcess(pathToFileURL(join(suite, 'tests', f)).href, { cache });
      loaded++;
    } catch {
      // documents that are invalid on purpose, or fragments of packed files
    }
  }
  console.log(`conformance suite: ${loaded}/${docs.length} top-level .cwl documents in ${fmt(performance.now() - t0)} (${fmt((performance.now() - t0) / docs.length)} each, shared cache)`);
}
rmSync(dir, { recursive: true, force: true });
