/**
 * Finds the CWL v1.2 conformance suite: `--suite`, else `../shared/cwl-v1.2` beside this package,
 * else a cached download of the pinned commit, else downloads that commit's tarball into the cache.
 * The suite's files are never part of this repository.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { SuiteNotFoundError } from './errors.js';

/** The suite commit parsl-cwl is measured against (the v1.2 conformance tests as of that commit). */
export const PINNED_SUITE = {
  repository: 'common-workflow-language/cwl-v1.2',
  commit: '551d58d409ef2a0fa2e3ab93b85167dd7d4b1833',
} as const;

export const TEST_LIST_NAME = 'conformance_tests.yaml';

export function pinnedTarballUrl(): string {
  return `https://github.com/${PINNED_SUITE.repository}/archive/${PINNED_SUITE.commit}.tar.gz`;
}

export interface SuiteLocation {
  /** The folder the runner runs in; test paths are relative to it. */
  dir: string;
  /** The test list to read (normally `<dir>/conformance_tests.yaml`). */
  listFile: string;
  origin: 'option' | 'beside-package' | 'cache' | 'download';
}

export interface LocateSuiteOptions {
  /** `--suite`: a suite folder, or a test list file (its folder is then the suite folder). */
  suite?: string;
  /** Where this package lives; `<packageRoot>/../shared/cwl-v1.2` is tried. Default: found from this module. */
  packageRoot?: string;
  /** Where downloads are cached. Default: $PARSL_CWL_CACHE_DIR, else $XDG_CACHE_HOME/parsl-cwl, else ~/.cache/parsl-cwl. */
  cacheDir?: string;
  /** The tarball to download (default: the pinned commit on GitHub). */
  tarballUrl?: string;
  /** Seconds before a download is abandoned. */
  downloadTimeoutSeconds?: number;
  /** Progress notes (a download is slow enough to announce). */
  log?: (message: string) => void;
}

export async function locateSuite(options: LocateSuiteOptions = {}): Promise<SuiteLocation> {
  if (options.suite !== undefined) {
    const given = path.resolve(options.suite);
    const isFile = existsSync(given) && statSync(given).isFile();
    const listFile = isFile ? given : path.join(given, TEST_LIST_NAME);
    if (!existsSync(listFile)) throw new SuiteNotFoundError([`--suite ${given}: ${listFile} does not exist`]);
    return { dir: path.dirname(listFile), listFile, origin: 'option' };
  }
  const tried: string[] = [];
  const root = options.packageRoot ?? packageRoot();
  const beside = path.resolve(root, '..', 'shared', 'cwl-v1.2');
  if (existsSync(path.join(beside, TEST_LIST_NAME))) return { dir: beside, listFile: path.join(beside, TEST_LIST_NAME), origin: 'beside-package' };
  tried.push(`${beside} (not there)`);

  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const cached = path.join(cacheDir, `cwl-v1.2-${PINNED_SUITE.commit}`);
  if (existsSync(path.join(cached, TEST_LIST_NAME))) return { dir: cached, listFile: path.join(cached, TEST_LIST_NAME), origin: 'cache' };
  tried.push(`${cached} (not cached)`);

  const url = options.tarballUrl ?? pinnedTarballUrl();
  options.log?.(`downloading the CWL v1.2 suite (${PINNED_SUITE.commit.slice(0, 7)}) from ${url} into ${cached}`);
  try {
    await downloadSuite(url, cached, (options.downloadTimeoutSeconds ?? 300) * 1000);
  } catch (err) {
    tried.push(`downloading ${url} failed: ${describe(err)}`);
    throw new SuiteNotFoundError(tried, { cause: err });
  }
  return { dir: cached, listFile: path.join(cached, TEST_LIST_NAME), origin: 'download' };
}

/** Streams a suite tarball through `tar xzf -` into a temporary folder, then renames it into place. */
async function downloadSuite(url: string, target: string, timeoutMs: number): Promise<void> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  if (!response.ok || response.body === null) throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
  await mkdir(path.dirname(target), { recursive: true });
  const staging = await mkdtemp(path.join(path.dirname(target), '.download-'));
  try {
    // GitHub tarballs hold one top folder (<repo>-<commit>/); strip it.
    const tar = spawn('tar', ['xzf', '-', '--strip-components=1', '-C', staging], { stdio: ['pipe', 'ignore', 'pipe'] });
    let tarError = '';
    tar.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      tarError = (tarError + chunk).slice(-2000);
    });
    const exited = new Promise<number | null>((resolve, reject) => {
      tar.once('error', reject);
      tar.once('close', (code) => resolve(code));
    });
    const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
    const streamed = pipeline(body, tar.stdin).then(
      () => undefined,
      (err: unknown) => err,
    );
    const [code, streamError] = await Promise.all([exited, streamed]);
    if (code !== 0) throw new Error(`tar exited with ${code}: ${tarError.trim() || 'no message'}`);
    if (streamError !== undefined) throw streamError;
    if (!existsSync(path.join(staging, TEST_LIST_NAME))) throw new Error(`the tarball holds no ${TEST_LIST_NAME} at its top level`);
    try {
      await rename(staging, target);
    } catch (err) {
      // Another harness finished the same download first: use its copy.
      if (!existsSync(path.join(target, TEST_LIST_NAME))) throw err;
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

function defaultCacheDir(): string {
  const explicit = process.env['PARSL_CWL_CACHE_DIR'];
  if (explicit) return explicit;
  const xdg = process.env['XDG_CACHE_HOME'];
  return path.join(xdg ? xdg : path.join(os.homedir(), '.cache'), 'parsl-cwl');
}

/** The folder of the nearest package.json named parsl-cwl above this module. */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'parsl-cwl') return dir;
      } catch {
        // not our manifest; keep walking up
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
    dir = parent;
  }
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? ` (${err.cause.message})` : '';
  return `${err.message}${cause}`;
}
