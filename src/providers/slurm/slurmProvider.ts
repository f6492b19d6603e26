/**
 * SlurmProvider: a block is one Slurm batch job. Submits with sbatch, polls with sacct (or squeue
 * on clusters without an accounting database, detected on the first poll), cancels with scancel.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { BlockState, BlockStatus, ExecutionProvider, Launcher, SubmitRequest } from '../provider.js';
import { ProviderCommandFailedError, ProviderCommandTimeoutError, SubmitFailedError } from '../errors.js';
import { renderBatchScript } from './batchScript.js';
import { blockStateOf } from './jobStates.js';
import { runSlurmCommand } from './slurmCommand.js';
import type { ResolvedSlurmOptions, SlurmProviderOptions } from './slurmOptions.js';
import { resolveSlurmOptions } from './slurmOptions.js';

/** What one status query said about one job. */
interface JobRow {
  state: string;
  detail: string;
  exitCode?: number;
}

/** What this provider remembers about a job it submitted, to judge a job that is no longer listed. */
interface TrackedJob {
  jobName: string;
  submittedAtMs: number;
  lastState: BlockState;
  seenRunning: boolean;
  cancelRequested: boolean;
}

/**
 * A job not listed yet within this many ms of its submission is still PENDING: sacct on clusters
 * with a database can lag behind sbatch by a few seconds.
 */
const NOT_LISTED_YET_GRACE_MS = 30_000;

/**
 * Worker pools as Slurm batch jobs, for the HighThroughputExecutor (docs/slurm.md).
 * @experimental May change before 1.0.
 */
export class SlurmProvider implements ExecutionProvider {
  readonly options: ResolvedSlurmOptions;
  /** undefined until the first poll decides; false when accounting is disabled. */
  private useSacct: boolean | undefined;
  private readonly jobs = new Map<string, TrackedJob>();

  constructor(options: SlurmProviderOptions = {}) {
    this.options = resolveSlurmOptions(options);
  }

  get label(): string {
    return this.options.label;
  }
  get launcher(): Launcher {
    return this.options.launcher;
  }
  get nodesPerBlock(): number {
    return this.options.nodesPerBlock;
  }
  get initBlocks(): number {
    return this.options.initBlocks;
  }
  get minBlocks(): number {
    return this.options.minBlocks;
  }
  get maxBlocks(): number {
    return this.options.maxBlocks;
  }
  get parallelism(): number {
    return this.options.parallelism;
  }
  get walltimeSec(): number {
    return this.options.walltimeSec;
  }
  get coresPerNode(): number | undefined {
    return this.options.coresPerNode;
  }
  get memPerNodeMB(): number | undefined {
    return this.options.memPerNode === undefined ? undefined : Math.floor(this.options.memPerNode * 1024);
  }
  /** Which command status() uses: 'sacct', 'squeue', or undefined before the first poll. */
  get statusSource(): 'sacct' | 'squeue' | undefined {
    return this.useSacct === undefined ? undefined : this.useSacct ? 'sacct' : 'squeue';
  }

  async submit(request: SubmitRequest, signal?: AbortSignal): Promise<string> {
    // Job names start with `parsl` so that operators (and our tests) can find every block.
    const jobName = request.jobName.startsWith('parsl') ? request.jobName : `parsl.${request.jobName}`;
    await mkdir(request.scriptDir, { recursive: true });
    const scriptPath = join(request.scriptDir, `${jobName}.submit`);
    const script = renderBatchScript(this.options, {
      jobName,
      stdoutPath: join(request.scriptDir, `${jobName}.stdout`),
      stderrPath: join(request.scriptDir, `${jobName}.stderr`),
      command: request.command,
      tasksPerNode: request.tasksPerNode,
    });
    await writeFile(scriptPath, script, { mode: 0o644 });

    let stdout: string;
    try {
      ({ stdout } = await runSlurmCommand('sbatch', ['--parsable', scriptPath], { timeoutSec: this.options.cmdTimeout, signal }));
    } catch (err) {
      // A timed-out or aborted sbatch may still have queued the job: find it by its script and
      // cancel it, so that no block is left behind.
      if (!(err instanceof ProviderCommandFailedError)) await this.cancelOrphan(jobName, scriptPath);
      throw new SubmitFailedError(this.label, jobName, `${err instanceof Error ? err.message : String(err)} (batch script ${scriptPath})`, { cause: err });
    }
    // --parsable prints `jobid` or `jobid;cluster`.
    const jobId = stdout.trim().split('\n').pop()?.split(';')[0]?.trim() ?? '';
    if (!/^\d+$/.test(jobId)) throw new SubmitFailedError(this.label, jobName, `sbatch printed no job id (stdout: '${stdout.trim()}', batch script ${scriptPath})`);
    this.jobs.set(jobId, { jobName, submittedAtMs: Date.now(), lastState: 'PENDING', seenRunning: false, cancelRequested: false });
    return jobId;
  }

  async status(jobIds: string[], signal?: AbortSignal): Promise<BlockStatus[]> {
    if (jobIds.length === 0) return [];
    const rows = await this.query(jobIds, signal);
    return jobIds.map((jobId) => {
      const row = rows.get(jobId);
      const tracked = this.jobs.get(jobId);
      const status: BlockStatus = row ? this.statusOfRow(row) : this.statusOfUnlisted(tracked);
      if (tracked) {
        tracked.lastState = status.state;
        if (status.state === 'RUNNING') tracked.seenRunning = true;
      }
      return status;
    });
  }

  async cancel(jobIds: string[], signal?: AbortSignal): Promise<boolean[]> {
    if (jobIds.length === 0) return [];
    for (const jobId of jobIds) {
      const tracked = this.jobs.get(jobId);
      if (tracked) tracked.cancelRequested = true;
    }
    const out = await runSlurmCommand('scancel', jobIds, { timeoutSec: this.options.cmdTimeout, signal, allowFailure: true });
    // scancel reports each refused id on its own line ("Kill job error on job id 12: ...").
    const refused = new Set<string>();
    for (const match of out.stderr.matchAll(/job id (\d+)/gi)) refused.add(match[1] ?? '');
    if (out.exitCode !== 0 && refused.size === 0) throw new ProviderCommandFailedError(`scancel ${jobIds.join(' ')}`, out.exitCode, out.stderr);
    return jobIds.map((jobId) => !refused.has(jobId));
  }

  private statusOfRow(row: JobRow): BlockStatus {
    const status: BlockStatus = { state: blockStateOf(row.state), detail: row.detail };
    if (row.exitCode !== undefined) status.exitCode = row.exitCode;
    return status;
  }

  /**
   * A job the resource manager no longer (or not yet) lists. Slurm forgets finished jobs after
   * MinJobAge (300 s by default), and squeue only ever shows live and recent ones.
   */
  private statusOfUnlisted(tracked: TrackedJob | undefined): BlockStatus {
    if (!tracked) return { state: 'MISSING', detail: 'not listed by Slurm' };
    if (tracked.cancelRequested) return { state: 'CANCELLED', detail: 'cancelled by parsl-cwl; no longer listed' };
    if (tracked.lastState !== 'PENDING' && tracked.lastState !== 'RUNNING' && tracked.lastState !== 'HELD' && tracked.lastState !== 'UNKNOWN') {
      return { state: tracked.lastState, detail: 'ended; no longer listed' };
    }
    // It ran and is gone: it ended, how is no longer known.
    if (tracked.seenRunning) return { state: 'COMPLETED', detail: `no longer listed by ${this.statusSource} after running` };
    if (Date.now() - tracked.submittedAtMs < NOT_LISTED_YET_GRACE_MS) return { state: 'PENDING', detail: 'submitted; not listed yet' };
    return { state: 'MISSING', detail: `never seen running and no longer listed by ${this.statusSource}` };
  }

  /** One status query; the first one decides between sacct and squeue for the provider's lifetime. */
  private async query(jobIds: string[], signal?: AbortSignal): Promise<Map<string, JobRow>> {
    const timeoutSec = this.options.cmdTimeout;
    if (this.useSacct !== false) {
      const args = ['--noheader', '--parsable2', '--allocations', '--format=JobID,State,ExitCode', `--jobs=${jobIds.join(',')}`];
      const out = await runSlurmCommand('sacct', args, { timeoutSec, signal, allowFailure: true });
      if (out.exitCode === 0) {
        this.useSacct = true;
        return parseSacct(out.stdout);
      }
      // "Slurm accounting storage is disabled" and friends: this cluster has no database.
      if (this.useSacct === true) throw new ProviderCommandFailedError(`sacct ${args.join(' ')}`, out.exitCode, out.stderr);
      this.useSacct = false;
    }
    const args = ['--noheader', '--states=all', '--format=%i|%T|%r', `--jobs=${jobIds.join(',')}`];
    const out = await runSlurmCommand('squeue', args, { timeoutSec, signal, allowFailure: true });
    if (out.exitCode === 0) return parseSqueue(out.stdout);
    // squeue refuses a list in which it knows no job at all: none of them is listed.
    if (/invalid job id/i.test(out.stderr)) return new Map();
    throw new ProviderCommandFailedError(`squeue ${args.join(' ')}`, out.exitCode, out.stderr);
  }

  /**
   * Cancels the job of this batch script (after an sbatch whose answer was lost). Another run may
   * use the same job name, so the match is on the script's path, which is this run's own.
   * Failures are ignored: this is a best effort on a path that already failed.
   */
  private async cancelOrphan(jobName: string, scriptPath: string): Promise<void> {
    try {
      const args = ['--noheader', '--format=%i|%o', `--name=${jobName}`, `--user=${userInfo().username}`];
      const out = await runSlurmCommand('squeue', args, { timeoutSec: this.options.cmdTimeout });
      const ids = out.stdout
        .split('\n')
        .map((line) => line.trim().split('|'))
        .filter(([id, command]) => /^\d+$/.test(id ?? '') && command === scriptPath)
        .map(([id]) => id ?? '');
      if (ids.length > 0) await runSlurmCommand('scancel', ids, { timeoutSec: this.options.cmdTimeout, allowFailure: true });
    } catch (err) {
      if (!(err instanceof ProviderCommandFailedError || err instanceof ProviderCommandTimeoutError)) throw err;
    }
  }
}

/** `12|CANCELLED by 0|0:15` → exit code 0, state CANCELLED. */
export function parseSacct(stdout: string): Map<string, JobRow> {
  const rows = new Map<string, JobRow>();
  for (const line of stdout.split('\n')) {
    const [jobId, state, exit] = line.trim().split('|');
    if (!jobId || !state || jobId.includes('.')) continue;
    const row: JobRow = { state, detail: `sacct: ${state}` };
    const code = exit?.split(':')[0];
    if (code !== undefined && /^\d+$/.test(code)) row.exitCode = Number(code);
    rows.set(jobId, row);
  }
  return rows;
}

/** `12|PENDING|Priority` → state PENDING, detail naming the reason. */
export function parseSqueue(stdout: string): Map<string, JobRow> {
  const rows = new Map<string, JobRow>();
  for (const line of stdout.split('\n')) {
    const [jobId, state, reason] = line.trim().split('|');
    if (!jobId || !state) continue;
    rows.set(jobId, { state, detail: reason && reason !== 'None' ? `squeue: ${state} (${reason})` : `squeue: ${state}` });
  }
  return rows;
}
