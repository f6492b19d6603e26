/** Shared test fixtures: a fresh temp folder per test, process liveness from /proc, and waiting on a condition. */
import { mkdtempSync, readFileSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempDir(prefix = 'pcwl-dfk-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * A fresh TypeScript project folder where `import ... from 'parsl-cwl'` resolves to the repository
 * at `repo` (as after `npm install parsl-cwl`), with a tsconfig of `compilerOptions` over `*.ts`.
 */
export function packageProject(prefix: string, repo: string, compilerOptions: Record<string, unknown>): string {
  const dir = tempDir(prefix);
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(repo, join(dir, 'node_modules', 'parsl-cwl'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['*.ts'] }));
  return dir;
}

/** True while the process exists and is not a zombie (a zombie has already exited). */
export function isAlive(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return false;
  try {
    const text = readFileSync(stat, 'utf8');
    const state = text.slice(text.lastIndexOf(')') + 2, text.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Resolve once `cond()` holds (checked every 10 ms), or reject after `timeoutMs`. For conditions
 * only the file system can tell (a task's pid file appeared), where no event exists to await. */
export async function until(cond: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function readPids(file: string): number[] {
  return readFileSync(file, 'utf8')
    .split(/\s+/)
    .filter(Boolean)
    .map(Number);
}
