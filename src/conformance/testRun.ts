/**
 * Runs one conformance test the way cwltest drives a cwl-runner, and judges the result.
 *
 * Protocol: `RUNNER --outdir=<fresh temp dir> --quiet TOOL[#frag] [JOB]`, run in the suite folder
 * with the paths as the test list gives them. The runner's stdout is its output object.
 * Exit-code rules (cwltest):
 * - exit 0: stdout parsed as JSON (empty stdout is `{}`) and compared with the expected output;
 *   a `should_fail` test that exits 0 fails;
 * - exit 33 on a test not tagged `required` (an untagged test counts as required): unsupported,
 *   also when the test is `should_fail`;
 * - any other non-zero exit (a signal too): passes for a `should_fail` test, else fails;
 * - running longer than the timeout: fails (the runner's process group is killed).
 * stdout/stderr go to files, not pipes: piped stdio stalls spawns when several Node processes spawn
 * at once, as two tests at a time do (docs/measurements.md).
 */
import { parseJson, stringifyJson } from '../util/index.js';
import { spawn } from 'node:child_process';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { compareOutput } from './compare.js';
import type { ConformanceTest } from './testList.js';
import { shellQuote } from './runnerCommand.js';

/** cwl-runner's exit code for "this runner does not support a feature the document needs". */
export const UNSUPPORTED_FEATURE_EXIT = 33;

export type TestStatus = 'passed' | 'failed' | 'unsupported';

export interface TestResult {
  id: string;
  number: number;
  tags: string[];
  status: TestStatus;
  /** One line: why the test failed (or is unsupported). */
  reason?: string;
  /** More lines for --show-failures: expected vs actual, the runner's stderr tail. */
  detail?: string;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
  /** The command as run (in `cwd`). */
  command: string[];
  cwd: string;
  stdout: string;
  stderrTail: string;
}

export interface TestRunOptions {
  /** The runner's argv (program resolved). */
  runner: string[];
  /** The suite folder: the runner's working directory. */
  suiteDir: string;
  timeoutSeconds: number;
  /** A folder for the runner's stdout/stderr files. */
  scratchDir: string;
  /** Aborting kills the runner (the test then fails as interrupted). */
  signal?: AbortSignal;
  /** Grace between SIGTERM and SIGKILL when a runner is stopped. */
  killGraceMs?: number;
}

const STDERR_TAIL_BYTES = 4000;

export async function runConformanceTest(test: ConformanceTest, options: TestRunOptions): Promise<TestResult> {
  const outdir = await mkdtemp(path.join(os.tmpdir(), 'pcwl-conformance-'));
  const command = [...options.runner, `--outdir=${outdir}`, '--quiet', test.tool, ...(test.job !== undefined ? [test.job] : [])];
  const stdoutFile = path.join(options.scratchDir, `${test.number}.stdout`);
  const stderrFile = path.join(options.scratchDir, `${test.number}.stderr`);
  const base = { id: test.id, number: test.number, tags: test.tags, command, cwd: options.suiteDir };
  try {
    const exit = await runProcess(command, options, stdoutFile, stderrFile);
    const stdout = await readFile(stdoutFile, 'utf8').catch(() => '');
    const stderrTail = await readTail(stderrFile);
    const ran = { ...base, exitCode: exit.code, signal: exit.signal, timedOut: exit.timedOut, durationMs: exit.durationMs, stdout, stderrTail };
    const verdict = judge(test, exit, stdout, stderrTail, options);
    const result: TestResult = { ...ran, ...verdict };
    if (result.status !== 'passed') result.detail = failureDetail(result, verdict.comparison);
    return result;
  } finally {
    await rm(outdir, { recursive: true, force: true }).catch(() => undefined);
    await rm(stdoutFile, { force: true }).catch(() => undefined);
    await rm(stderrFile, { force: true }).catch(() => undefined);
  }
}

interface ProcessExit {
  code: number | null;
  signal: string | null;
  timedOut: boolean;
  interrupted: boolean;
  spawnError?: Error;
  durationMs: number;
}

async function runProcess(command: string[], options: TestRunOptions, stdoutFile: string, stderrFile: string): Promise<ProcessExit> {
  const [program, ...args] = command;
  const stdout = await open(stdoutFile, 'w');
  const stderr = await open(stderrFile, 'w');
  const start = performance.now();
  try {
    // Its own process group, so a timeout can stop the runner and everything it started.
    const child = spawn(program ?? '', args, { cwd: options.suiteDir, stdio: ['ignore', stdout.fd, stderr.fd], detached: true });
    let timedOut = false;
    let interrupted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const stop = (): void => {
      signalGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), options.killGraceMs ?? 3000);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, options.timeoutSeconds * 1000);
    const onAbort = (): void => {
      interrupted = true;
      stop();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    const exit = await new Promise<{ code: number | null; signal: string | null; error?: Error }>((resolve) => {
      child.once('error', (error) => resolve({ code: null, signal: null, error }));
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    clearTimeout(timer);
    if (killTimer) clearTimeout(killTimer);
    options.signal?.removeEventListener('abort', onAbort);
    // Whatever the runner left running in its group goes with it.
    signalGroup(child.pid, 'SIGKILL');
    const result: ProcessExit = { code: exit.code, signal: exit.signal, timedOut, interrupted, durationMs: performance.now() - start };
    if (exit.error) result.spawnError = exit.error;
    return result;
  } finally {
    await stdout.close();
    await stderr.close();
  }
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

interface Verdict {
  status: TestStatus;
  reason?: string;
  comparison?: { expected: unknown; actual: unknown };
}

/** The exit-code and output rules, in cwltest's order. */
function judge(test: ConformanceTest, exit: ProcessExit, stdout: string, stderrTail: string, options: TestRunOptions): Verdict {
  if (exit.spawnError) return { status: 'failed', reason: `could not start the runner: ${exit.spawnError.message}` };
  if (exit.interrupted) return { status: 'failed', reason: 'interrupted' };
  if (exit.timedOut) return { status: 'failed', reason: `timed out after ${options.timeoutSeconds}s` };
  if (exit.code !== 0) {
    if (exit.code === UNSUPPORTED_FEATURE_EXIT && !test.required) return { status: 'unsupported', reason: 'exit code 33 (unsupported feature)' };
    if (test.shouldFail) return { status: 'passed' };
    const how = exit.code === UNSUPPORTED_FEATURE_EXIT ? 'exit code 33 (unsupported feature) on a required test' : exit.code !== null ? `exit code ${exit.code}` : `killed by ${exit.signal ?? 'a signal'}`;
    const cause = lastLine(stderrTail);
    return { status: 'failed', reason: cause === '' ? how : `${how}: ${cause}` };
  }
  let actual: unknown;
  try {
    // Exact, as cwltest's json.loads: an integer outside Number's safe range stays an int (BigInt).
    actual = stdout === '' ? {} : parseJson(stdout);
  } catch {
    return { status: 'failed', reason: `stdout is not valid JSON: ${oneLine(stdout, 80)}` };
  }
  if (test.shouldFail) return { status: 'failed', reason: 'exit code 0, but the test should fail' };
  const mismatch = compareOutput(test.output, actual, { baseDir: options.suiteDir });
  if (mismatch) return { status: 'failed', reason: `${mismatch.where}: ${mismatch.reason}`, comparison: { expected: mismatch.expected, actual: mismatch.actual } };
  return { status: 'passed' };
}

function failureDetail(result: TestResult, comparison: { expected: unknown; actual: unknown } | undefined): string {
  const lines = [`  command (in ${result.cwd}): ${shellQuote(result.command)}`];
  if (comparison) {
    lines.push(`  expected: ${indent(stringifyJson(comparison.expected, 2) ?? 'nothing')}`);
    lines.push(`  actual:   ${indent(stringifyJson(comparison.actual, 2) ?? 'nothing')}`);
  }
  const stderr = result.stderrTail.trimEnd().split('\n').slice(-15).join('\n    ');
  if (stderr !== '') lines.push(`  stderr (tail):\n    ${stderr}`);
  return lines.join('\n');
}

function indent(text: string): string {
  return text.split('\n').join('\n            ');
}

async function readTail(file: string): Promise<string> {
  try {
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, STDERR_TAIL_BYTES);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, size - length);
      return buffer.toString('utf8');
    } finally {
      await handle.close();
    }
  } catch {
    return '';
  }
}

/** The last non-empty line of a runner's stderr, shortened: the usual one-line cause of a failure. */
function lastLine(text: string, max = 160): string {
  // Runners colour their logs; the escape sequences are noise in a report.
  const plain = text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');
  // Node ends an uncaught exception's report with stack frames and its version line; the error is above them.
  const lines = plain
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^Node\.js v\d+\.\d+\.\d+$/.test(l) && !/^at \S/.test(l));
  return oneLine(lines[lines.length - 1] ?? '', max);
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}
