/**
 * Compiled input validators, cached by schema in memory and on disk as ajv "standalone" code, so a
 * later run needs neither ajv's import nor its compile (both slow next to a small run). Entries live in
 * `$PARSL_CWL_CACHE_DIR/validators` (default `$XDG_CACHE_HOME/parsl-cwl`, else
 * `~/.cache/parsl-cwl`); `PARSL_CWL_CACHE=off` turns the disk cache off. A cache failure only costs
 * time: an unreadable entry is a miss and a failed write is ignored.
 */
import { bundledBuildId, sha1Hex } from '../../util/index.js';
import { readdirSync, statSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type JsonSchema = Record<string, unknown>;

export interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

export type Validate = ((data: unknown) => boolean) & { errors?: AjvError[] | null };

interface AjvLike {
  compile(schema: JsonSchema): Validate;
}
type StandaloneCode = (ajv: AjvLike, validate: Validate) => string;

const require = createRequire(import.meta.url);
const validators = new Map<string, Validate>();
let ajvInstance: Promise<AjvLike> | undefined;
let validatorDir: string | undefined;

function cacheEnabled(): boolean {
  return (process.env.PARSL_CWL_CACHE ?? '').toLowerCase() !== 'off';
}

function sha1(text: string): string {
  return sha1Hex(text);
}

/**
 * What the entries depend on: ajv's version (it generated them) and this build of parsl-cwl. The
 * bundled run path has both in its build id (scripts/bundleCli.ts); unbundled, ajv's version is read
 * and this folder's modules are fingerprinted by size and mtime.
 */
function codeFingerprint(): string {
  const built = bundledBuildId();
  if (built !== undefined) return `bundle:${built}`;
  const ajvVersion = (require('ajv/package.json') as { version: string }).version;
  const dir = dirname(fileURLToPath(import.meta.url));
  const parts: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.js')) continue;
    const st = statSync(join(dir, name));
    parts.push(`${name}:${st.size}:${st.mtimeMs}`);
  }
  return sha1(`${ajvVersion}\n${parts.join('\n')}`);
}

function validatorFile(key: string): string {
  if (!validatorDir) {
    const root = process.env.PARSL_CWL_CACHE_DIR || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'parsl-cwl');
    validatorDir = join(root, 'validators', sha1(codeFingerprint()).slice(0, 16));
  }
  return join(validatorDir, `${sha1(key)}.cjs`);
}

async function ajv(): Promise<AjvLike> {
  ajvInstance ??= import('ajv').then((m) => {
    const Ajv = (m.default as unknown as { default?: unknown }).default ?? m.default;
    // `code.source` keeps the generated code so it can be written to the cache.
    return new (Ajv as new (opts: Record<string, unknown>) => AjvLike)({ allErrors: false, strict: false, validateFormats: false, code: { source: true } });
  });
  return ajvInstance;
}

/** Evaluate ajv's standalone (CommonJS) validator code; its `require`s resolve from this package. */
function instantiate(code: string): Validate {
  const mod: { exports: unknown } = { exports: {} };
  new Function('module', 'exports', 'require', code)(mod, mod.exports, require);
  const exported = mod.exports as Validate & { default?: Validate };
  return exported.default ?? exported;
}

async function writeAtomically(path: string, text: string): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, text);
    // Rename: a concurrent run never reads half a file.
    await rename(tmp, path);
  } catch {
    // A read-only or full cache folder only means the next run compiles again.
  }
}

/** The validator for `schema`: from memory, else from the disk cache, else compiled by ajv. */
export async function compiledValidator(schema: JsonSchema): Promise<Validate> {
  const key = JSON.stringify(schema);
  const known = validators.get(key);
  if (known) return known;
  const file = cacheEnabled() ? validatorFile(key) : undefined;
  let validate: Validate | undefined;
  if (file) {
    // Synchronous: one small file, and a run that never touches the thread pool does not start it.
    let code: string | undefined;
    try {
      code = readFileSync(file, 'utf8');
    } catch {
      code = undefined;
    }
    try {
      validate = code === undefined ? undefined : instantiate(code);
    } catch {
      validate = undefined;
    }
  }
  if (!validate) {
    const instance = await ajv();
    validate = instance.compile(schema);
    if (file) {
      const mod = (await import('ajv/dist/standalone/index.js')) as unknown as { default: StandaloneCode & { default?: StandaloneCode } };
      const generate = mod.default.default ?? mod.default;
      await writeAtomically(file, generate(instance, validate));
    }
  }
  validators.set(key, validate);
  return validate;
}
