/**
 * Build step after `tsc`: compiles src/native/spawner.c to dist/native/pcwl-spawner with the C
 * compiler (`$CC`, else `cc`). The runner starts tool commands through it when it exists
 * (src/cwl/execution/nativeSpawner.ts); without a compiler, or when the compile fails, the build
 * prints one line, leaves no binary, and the runner keeps its bash command shells.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = path.dirname(DIST);
const SOURCE = path.join(ROOT, 'src', 'native', 'spawner.c');
const OUT = path.join(DIST, 'native', 'pcwl-spawner');

const cc = process.env.CC || 'cc';
mkdirSync(path.dirname(OUT), { recursive: true });
rmSync(OUT, { force: true });
const tmp = `${OUT}.${process.pid}.tmp`;
const res = spawnSync(cc, ['-O2', '-std=gnu11', '-Wall', '-o', tmp, SOURCE], { encoding: 'utf8' });
if (res.error || res.status !== 0) {
  rmSync(tmp, { force: true });
  const why = res.error ? `${cc} not found (${(res.error as NodeJS.ErrnoException).code ?? res.error.message})` : `${cc} failed: ${(res.stderr || '').trim().split('\n')[0] ?? ''}`;
  console.log(`pcwl-spawner not built (${why}); tool commands will start through bash command shells`);
} else {
  renameSync(tmp, OUT);
}
