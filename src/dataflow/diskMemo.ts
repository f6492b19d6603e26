/**
 * Memoized results kept in the kernel's `cacheDir` (`<cacheDir>/kernel/<key[0..2]>/<key>.json`),
 * so a later program given the same folder reuses them, as `parsl-cwl --cachedir` runs do with
 * tool jobs (docs/cache.md). Each file is written under a temporary name and renamed: a reader
 * sees a whole result or none, whatever happens to the writer.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseJson, randomHex, stringifyJson } from '../util/index.js';

function file(cacheDir: string, key: string): string {
  return join(cacheDir, 'kernel', key.slice(0, 2), `${key}.json`);
}

/** The stored result of `key`, or `undefined` (`{found: false}` when none or unreadable). */
export function readDiskMemo(cacheDir: string, key: string): { found: boolean; result?: unknown } {
  try {
    const entry = parseJson(readFileSync(file(cacheDir, key), 'utf8')) as { key?: unknown; result?: unknown };
    return entry.key === key ? { found: true, result: entry.result } : { found: false };
  } catch {
    return { found: false };
  }
}

/** Store `result` under `key`; a failure to write is returned as text for the run log, never thrown. */
export function writeDiskMemo(cacheDir: string, key: string, result: unknown): string | undefined {
  const target = file(cacheDir, key);
  const tmp = `${target}.${process.pid}-${randomHex(4)}.tmp`;
  try {
    mkdirSync(join(target, '..'), { recursive: true });
    writeFileSync(tmp, stringifyJson({ key, result }) ?? '');
    renameSync(tmp, target);
    return undefined;
  } catch (err) {
    return `cannot keep a result in ${cacheDir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`;
  }
}
