/** Shared fixtures for the HTEX tests: a running executor on a LocalProvider, process-tree probes. */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HighThroughputExecutor } from '../../src/executors/htex/executor.js';
import type { HtexOptions } from '../../src/executors/htex/options.js';
import { LocalProvider, type LocalProviderOptions } from '../../src/providers/local.js';
import type { CommandLineTool } from '../../src/cwl/model.js';
import { cwlJobTask } from '../../src/cwl/jobTask.js';
import type { TaskSpec } from '../../src/executors/executor.js';

export interface RunningHtex {
  executor: HighThroughputExecutor;
  runDir: string;
  logs: string[];
}

export function freshRunDir(prefix = 'htex-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** An executor with short heartbeats so fault tests finish quickly (not started: a kernel may start it). */
export function makeHtex(options: Partial<HtexOptions> = {}, provider: LocalProviderOptions = {}): HighThroughputExecutor {
  return new HighThroughputExecutor({
    provider: new LocalProvider({ cancelGraceMs: 1000, ...provider }),
    workersPerPool: 2,
    heartbeatPeriodSec: 0.25,
    heartbeatThresholdSec: 3,
    workerBindInterface: '127.0.0.1',
    addresses: ['127.0.0.1'],
    ...options,
  });
}

export async function startHtex(options: Partial<HtexOptions> = {}, provider: LocalProviderOptions = {}): Promise<RunningHtex> {
  const runDir = freshRunDir();
  const logs: string[] = [];
  const executor = makeHtex(options, provider);
  await executor.start({ runDir, log: (l) => logs.push(l) });
  return { executor, runDir, logs };
}

/** Poll `check` until it returns a value other than undefined/false (state that has no event). */
export async function until<T>(check: () => T | undefined | false, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  cmd: string;
}

export function processTable(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Fields after the parenthesised command: state ppid pgrp ...
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      out.push({ pid: Number(name), ppid: Number(rest[1]), pgid: Number(rest[2]), cmd });
    } catch {
      // exited while we looked
    }
  }
  return out;
}

/** Every live descendant of `root` (children, their children, ...) plus members of their process groups. */
export function descendants(root: number): ProcInfo[] {
  const table = processTable();
  const found = new Map<number, ProcInfo>();
  let frontier = [root];
  while (frontier.length > 0) {
    const next: number[] = [];
    for (const p of table) {
      if (frontier.includes(p.ppid) && !found.has(p.pid)) {
        found.set(p.pid, p);
        next.push(p.pid);
      }
    }
    frontier = next;
  }
  const groups = new Set([...found.values()].map((p) => p.pgid));
  for (const p of table) if (groups.has(p.pgid) && p.pid !== root && !found.has(p.pid) && p.pgid !== process.pid) found.set(p.pid, p);
  return [...found.values()];
}

export function alive(pids: number[]): number[] {
  return pids.filter((pid) => {
    try {
      process.kill(pid, 0);
      // A zombie still answers kill(0); it holds no resources and its parent is gone or reaping.
      return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
    } catch {
      return false;
    }
  });
}

/** A CWL job task whose tool is `/bin/sh -c SCRIPT` (no inputs or outputs), in a fresh job folder. */
export function shellToolTask(script: string, jobDirPrefix: string): TaskSpec {
  const tool: CommandLineTool = {
    id: 'file:///t/sleep.cwl',
    class: 'CommandLineTool',
    cwlVersion: 'v1.2',
    originalCwlVersion: 'v1.2',
    baseUri: 'file:///t/',
    baseCommand: ['/bin/sh', '-c', script],
    inputs: [],
    outputs: [],
  };
  const jobDir = mkdtempSync(join(tmpdir(), jobDirPrefix));
  return cwlJobTask({ tool, inputs: {}, requirements: [], hints: [], paths: { jobDir }, name: 'sleep.cwl' });
}
