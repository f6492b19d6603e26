/** This package's version, read once from package.json: pools and interchange must agree on it, and run records name it. */
import { readFileSync } from 'node:fs';

let cached: string | undefined;

export function packageVersion(): string {
  if (cached === undefined) {
    // dist/src/util/ → package root is three levels up (src/util when run from source: two).
    for (const rel of ['../../../package.json', '../../package.json']) {
      try {
        const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'parsl-cwl' && typeof pkg.version === 'string') {
          cached = pkg.version;
          break;
        }
      } catch {
        // try the next candidate
      }
    }
    cached ??= 'unknown';
  }
  return cached;
}
