/** Real files in a fresh temporary folder for loader and input tests. */
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface Fixture {
  dir: string;
  /** Absolute path of a file in the fixture. */
  path(name: string): string;
  write(name: string, text: string): Promise<string>;
  remove(): Promise<void>;
}

export async function fixture(files: Record<string, string> = {}): Promise<Fixture> {
  const dir = await mkdtemp(join(tmpdir(), 'pcwl-load-'));
  const fx: Fixture = {
    dir,
    path: (name) => join(dir, name),
    async write(name, text) {
      const p = join(dir, name);
      await mkdir(dirname(p), { recursive: true });
      await writeFile(p, text);
      return p;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
  for (const [name, text] of Object.entries(files)) await fx.write(name, text);
  return fx;
}

/** The CWL v1.2 conformance suite (read-only; tests reference its files, never copy them). */
export const SUITE = process.env.CWL_V12_SUITE ?? '/work/shared/cwl-v1.2';

/** Tests that need the suite are skipped (with this reason) where it is not installed. */
export const suiteMissing: string | false = existsSync(join(SUITE, 'conformance_tests.yaml')) ? false : `CWL v1.2 suite not found at ${SUITE} (set CWL_V12_SUITE)`;
