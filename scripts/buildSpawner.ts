/**
 * Build step after `tsc`: compiles src/native/spawner.c to dist/native/pcwl-spawner with the C
 * compiler (`$CC`, else `cc`). The process supervisor starts processes through it when it exists
 * (src/process/nativeBackend.ts), and bin/parsl-cwl execs it directly (`--launch`), so the
 * new binary must also run here: it is started once with `--version` and kept only if it prints
 * `pcwl-spawner 3` and exits 0. Without a compiler, when the compile fails or when the binary does
 * not run, the build prints one line, leaves no binary, and processes start with Node's spawn.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = path.dirname(DIST);
const SOURCE = path.join(ROOT, 'src', 'native', 'spawner.c');
const OUT = path.join(DIST, 'native', 'pcwl-spawner');
/** What `pcwl-spawner --version` prints: the protocol version bin/parsl-cwl and the runner expect. */
const VERSION = 'pcwl-spawner 3';

const cc = process.env.CC || 'cc';
mkdirSync(path.dirname(OUT), { recursive: true });
rmSync(OUT, { force: true });
const tmp = `${OUT}.${process.pid}.tmp`;

/** Why the binary at `bin` cannot be used, or undefined when it runs and is the expected version. */
function checkRuns(bin: string): string | undefined {
  const res = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
  if (res.error) return `the compiled binary does not run (${(res.error as NodeJS.ErrnoException).code ?? res.error.message})`;
  const said = (res.stdout || res.stderr || '').trim().split('\n')[0] ?? '';
  if (res.status !== 0) return `the compiled binary's --version failed (${res.signal ?? `exit ${String(res.status)}`}${said ? `: ${said}` : ''})`;
  if (res.stdout.trim() !== VERSION) return `the compiled binary's --version printed '${said}', not '${VERSION}'`;
  return undefined;
}

/** Compile with `extra` flags and check the result; why it cannot be used, or undefined. */
function compile(extra: string[]): string | undefined {
  const res = spawnSync(cc, ['-O2', '-std=gnu11', '-Wall', ...extra, '-o', tmp, SOURCE], { encoding: 'utf8' });
  if (res.error) return `${cc} not found (${(res.error as NodeJS.ErrnoException).code ?? res.error.message})`;
  if (res.status !== 0) return `${cc} failed: ${(res.stderr || '').trim().split('\n')[0] ?? ''}`;
  return checkRuns(tmp);
}

// Statically linked first (position-independent, so still placed at a random address): bin/parsl-cwl
// execs the spawner before Node on every run, and without the dynamic loader that exec costs ~1.2 ms
// less here (5.6 against 6.8 ms for `--launch /bin/true`); a static binary also does not depend on
// the glibc it was built against. Where the static C library is missing, a dynamic one.
let why = compile(['-static-pie']);
if (why !== undefined) why = compile([]);
if (why !== undefined) {
  rmSync(tmp, { force: true });
  console.log(`pcwl-spawner not built (${why}); processes will start with Node's spawn`);
} else {
  renameSync(tmp, OUT);
}
