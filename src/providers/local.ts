/**
 * LocalProvider: a block is a local process group running the (launcher-wrapped) pool command,
 * so HTEX works on one machine. Cancelling a block signals its whole group: SIGTERM, then SIGKILL
 * for whatever is left after the grace period.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BlockStatus, ExecutionProvider, Launcher, SubmitRequest } from './provider.js';
import { SingleNodeLauncher } from './launchers.js';
import { SubmitFailedError } from './errors.js';
import { signalGroup } from '../process/index.js';

/**
 * Options of the LocalProvider.
 * @experimental May change before 1.0.
 */
export interface LocalProviderOptions {
  initBlocks?: number;
  minBlocks?: number;
  maxBlocks?: number;
  parallelism?: number;
  /** SIGTERM→SIGKILL grace when cancelling a block, in ms (default 2000). */
  cancelGraceMs?: number;
  /** Default: SingleNodeLauncher. */
  launcher?: Launcher;
}

export const LOCAL_PROVIDER_DEFAULTS = { initBlocks: 1, minBlocks: 0, maxBlocks: 1, parallelism: 1, cancelGraceMs: 2000 } as const;

interface LocalBlock {
  child: ChildProcess;
  status: BlockStatus;
  exited: Promise<void>;
}

/**
 * Worker pools as process groups on this machine, for the HighThroughputExecutor.
 * @experimental May change before 1.0.
 */
export class LocalProvider implements ExecutionProvider {
  readonly label = 'local';
  readonly nodesPerBlock = 1;
  readonly initBlocks: number;
  readonly minBlocks: number;
  readonly maxBlocks: number;
  readonly parallelism: number;
  readonly launcher: Launcher;
  private readonly cancelGraceMs: number;
  private readonly blocks = new Map<string, LocalBlock>();

  constructor(options: LocalProviderOptions = {}) {
    this.initBlocks = options.initBlocks ?? LOCAL_PROVIDER_DEFAULTS.initBlocks;
    this.minBlocks = options.minBlocks ?? LOCAL_PROVIDER_DEFAULTS.minBlocks;
    this.maxBlocks = options.maxBlocks ?? LOCAL_PROVIDER_DEFAULTS.maxBlocks;
    this.parallelism = options.parallelism ?? LOCAL_PROVIDER_DEFAULTS.parallelism;
    this.launcher = options.launcher ?? new SingleNodeLauncher();
    this.cancelGraceMs = options.cancelGraceMs ?? LOCAL_PROVIDER_DEFAULTS.cancelGraceMs;
  }

  async submit(request: SubmitRequest): Promise<string> {
    let out: number | undefined;
    let err: number | undefined;
    try {
      mkdirSync(request.scriptDir, { recursive: true });
      const script = join(request.scriptDir, `${request.jobName}.sh`);
      writeFileSync(script, `#!/bin/bash\n${request.command}\n`, { mode: 0o700 });
      out = openSync(join(request.scriptDir, `${request.jobName}.stdout`), 'a');
      err = openSync(join(request.scriptDir, `${request.jobName}.stderr`), 'a');
      // detached: the block is its own process group, so cancel() reaches everything it started.
      const child = spawn('/bin/bash', [script], { detached: true, stdio: ['ignore', out, err] });
      const pid = await new Promise<number>((resolve, reject) => {
        child.once('spawn', () => resolve(child.pid as number));
        child.once('error', reject);
      });
      const block: LocalBlock = {
        child,
        status: { state: 'RUNNING' },
        exited: new Promise((resolve) =>
          child.once('exit', (code, sig) => {
            if (block.status.state !== 'CANCELLED') {
              block.status = code === 0 ? { state: 'COMPLETED', exitCode: 0 } : { state: 'FAILED', exitCode: code ?? undefined, detail: sig ?? `exit code ${code}` };
            }
            resolve();
          }),
        ),
      };
      // The provider must not keep the user's process alive; the executor cancels blocks on shutdown.
      child.unref();
      const jobId = String(pid);
      this.blocks.set(jobId, block);
      return jobId;
    } catch (cause) {
      throw new SubmitFailedError(this.label, request.jobName, (cause as Error).message, { cause });
    } finally {
      if (out !== undefined) closeSync(out);
      if (err !== undefined) closeSync(err);
    }
  }

  async status(jobIds: string[]): Promise<BlockStatus[]> {
    return jobIds.map((id) => this.blocks.get(id)?.status ?? { state: 'MISSING', detail: `no local block with pid ${id}` });
  }

  async cancel(jobIds: string[]): Promise<boolean[]> {
    return Promise.all(jobIds.map((id) => this.cancelOne(id)));
  }

  private async cancelOne(jobId: string): Promise<boolean> {
    const block = this.blocks.get(jobId);
    if (!block) return false;
    const pgid = Number(jobId);
    if (block.child.exitCode === null && block.child.signalCode === null) block.status = { state: 'CANCELLED' };
    if (!signalGroup(pgid, 'SIGTERM')) return true; // already gone
    // Wait for the group (not only its leader) to empty, then SIGKILL the rest.
    const deadline = Date.now() + this.cancelGraceMs;
    while (groupHasLiveMembers(pgid)) {
      if (Date.now() >= deadline) {
        signalGroup(pgid, 'SIGKILL');
        break;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    await Promise.race([block.exited, new Promise((r) => setTimeout(r, 500))]);
    return true;
  }
}

/**
 * kill(-pgid, 0) also succeeds while only zombies are left, and orphaned zombies wait for PID 1 to
 * reap them (in containers that can take long): on Linux, look for a member that is not a zombie.
 */
function groupHasLiveMembers(pgid: number): boolean {
  if (!signalGroup(pgid, 0)) return false;
  if (process.platform !== 'linux') return true;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return true;
  }
  for (const name of entries) {
    if (name.charCodeAt(0) > 57) continue; // not a pid
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      // After the parenthesised command: state, ppid, pgrp.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ', 3);
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') return true;
    } catch {
      // exited while we looked
    }
  }
  return false;
}

