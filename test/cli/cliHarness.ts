/** Runs the built `parsl-cwl` CLI as a real process for the CLI tests. */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
/** dist/test/cli → dist/src/cli/main.js: the ES module entry (subcommands; the run path unbundled). */
export const CLI = path.resolve(here, '../../src/cli/main.js');
/** dist/test/cli → <repo>/bin/parsl-cwl: the installed command (bundled run path, code cache). */
export const BIN = path.resolve(here, '../../../bin/parsl-cwl');
/** dist/test/cli → <repo>/cwl-examples */
export const EXAMPLES = path.resolve(here, '../../../cwl-examples');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** One document cache per test process, so tests neither use nor fill the user's ~/.cache. */
const CACHE_HOME = mkdtempSync(path.join(os.tmpdir(), 'pcwl-cli-cache-'));
/** The same for run records (~/.local/state/parsl-cwl/runs). */
export const STATE_HOME = mkdtempSync(path.join(os.tmpdir(), 'pcwl-cli-state-'));

/**
 * Run the CLI with `args` in `cwd` as users do, through bin/parsl-cwl (or, with `entry: 'esm'`, the
 * ES module entry); the test reads stdout/stderr afterwards.
 */
export function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; entry?: 'bin' | 'esm' } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env = options.env ?? { ...process.env, XDG_CACHE_HOME: CACHE_HOME, XDG_STATE_HOME: STATE_HOME };
    const [cmd, argv] = options.entry === 'esm' ? [process.execPath, [CLI, ...args]] : [BIN, args];
    const child = spawn(cmd, argv, { cwd: options.cwd ?? EXAMPLES, env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export async function tempDir(prefix = 'pcwl-cli-'): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

/** Write files (name → text) into a fresh folder and return it. */
export async function fixture(files: Record<string, string>): Promise<string> {
  const dir = await tempDir('pcwl-fixture-');
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

/** A --config file for HTEX on this machine: one pool of 2 workers (LocalProvider), no retries. */
export const HTEX_LOCAL_CONFIG = `executor:
  type: htex
  label: htex
  workers_per_pool: 2
  address: 127.0.0.1
  worker_bind_interface: 127.0.0.1
  provider: {type: local, init_blocks: 1, min_blocks: 0, max_blocks: 1, launcher: {type: single_node}}
retries: 0
`;
