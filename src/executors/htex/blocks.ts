/**
 * A HighThroughputExecutor's blocks: the pool command a provider job runs, submitting blocks
 * (scale out), holding, draining and cancelling them (scale in), and forgetting the ones whose job
 * ended. The scaling strategy (src/executors/strategy) drives these through the executor's
 * ScalingHooks; the executor owns the interchange they talk to.
 */
import type { BlockStatus, ExecutionProvider } from '../../providers/index.js';
import { ExecutorStateError } from '../errors.js';
import type { BlockEvent, BlockView, ExecutorState } from '../executor.js';
import { MAIN_SCRIPT } from './interchangeProcess.js';
import type { CommandReply, CommandRequest, ManagerInfo } from './protocol.js';

/** Scale-in waits this long at most for tasks already on a held block before cancelling it. */
const SCALE_IN_DRAIN_MS = 60_000;

/** What `parsl-cwl pool` is told: read when a block is submitted (the worker port may change until the interchange is ready). */
export interface PoolSettings {
  addresses: string[];
  workerPort: number;
  workersPerPool: number;
  prefetchCapacity: number;
  heartbeatPeriodSec: number;
  heartbeatThresholdSec: number;
  logDir: string;
  certDir: string | null;
  drainPeriodSec: number | null | undefined;
  /** drain_before_walltime, with the provider's walltime (both or neither). */
  drainBeforeWalltime?: { drainBeforeSec: number; walltimeSec: number };
}

/** The executor as its blocks see it. */
export interface BlocksHost {
  readonly label: string;
  readonly provider: ExecutionProvider;
  state(): ExecutorState;
  log(line: string): void;
  /** The run record's block events (submitted, running, ended). */
  blockEvent(event: BlockEvent): void;
  /** Where providers write submit scripts. */
  scriptDir(): string;
  poolSettings(): PoolSettings;
  /** The interchange's last status report and when it came. */
  managerSnapshot(): { managers: ManagerInfo[]; atMs: number };
  command(request: CommandRequest): Promise<CommandReply>;
}

interface BlockRecord {
  blockId: string;
  jobId: string;
  draining: boolean;
  /** A pool of it registered (the run record's `running`). */
  running?: boolean;
}

export class HtexBlocks {
  private readonly records = new Map<string, BlockRecord>();
  private nextBlockId = 0;

  constructor(private readonly host: BlocksHost) {}

  connected(): string[] {
    return [...this.records.keys()];
  }

  async scaleOut(blocks: number): Promise<string[]> {
    const host = this.host;
    if (host.state() !== 'RUNNING') throw new ExecutorStateError(host.label, host.state(), 'scale out');
    // The blocks are submitted at once, not one sbatch after another: a burst of work gets its
    // blocks one sbatch round trip after the decision, not n of them.
    const blockIds = Array.from({ length: blocks }, () => String(this.nextBlockId++));
    const submitted = await Promise.allSettled(blockIds.map((blockId) => this.submitOne(blockId)));
    const started = blockIds.filter((_, i) => submitted[i]?.status === 'fulfilled' && (submitted[i] as PromiseFulfilledResult<boolean>).value);
    const failed = submitted.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed && started.length === 0) throw failed.reason;
    if (failed) host.log(`htex: ${blocks - started.length} of ${blocks} block submissions failed: ${String(failed.reason)}`);
    return started;
  }

  /** Submits one block; false when shutdown began meanwhile (the block is cancelled again). */
  private async submitOne(blockId: string): Promise<boolean> {
    const host = this.host;
    const command = host.provider.launcher.wrap(poolCommand(host.poolSettings(), blockId), 1, host.provider.nodesPerBlock);
    const jobId = await host.provider.submit({
      command,
      jobName: `parsl.${host.label}.block-${blockId}`,
      tasksPerNode: 1,
      scriptDir: host.scriptDir(),
    });
    if (host.state() !== 'RUNNING') {
      // Shutdown began while sbatch ran: teardown has already cancelled the known blocks.
      await host.provider.cancel([jobId]).catch((err) => host.log(`htex: cancelling block ${blockId} failed: ${String(err)}`));
      return false;
    }
    this.records.set(blockId, { blockId, jobId, draining: false });
    this.event(blockId, 'submitted', jobId);
    host.log(`htex: block ${blockId} submitted to the ${host.provider.label} provider as job ${jobId}`);
    return true;
  }

  views(): BlockView[] {
    const now = Date.now();
    const { managers: snapshot, atMs } = this.host.managerSnapshot();
    return [...this.records.values()].map((b) => {
      const managers = snapshot.filter((m) => m.blockId === b.blockId);
      const activeTasks = managers.reduce((sum, m) => sum + m.tasks, 0);
      const idle = managers.length > 0 && activeTasks === 0;
      const idleMs = idle ? Math.min(...managers.map((m) => m.idleMs)) + (now - atMs) : 0;
      // A block whose every pool drains (drain_before_walltime, drain_period) is on its way out too: the strategy replaces it.
      // Remembered: once its pools drained and left, the block is still no capacity.
      if (managers.length > 0 && managers.every((m) => m.draining)) b.draining = true;
      const draining = b.draining;
      return { blockId: b.blockId, jobId: b.jobId, managers: managers.length, activeTasks, idleSinceMs: idle ? now - idleMs : undefined, draining };
    });
  }

  async scaleIn(blocks: number, blockIds?: string[]): Promise<string[]> {
    const host = this.host;
    const views = this.views();
    const chosen = blockIds
      ? views.filter((v) => blockIds.includes(v.blockId))
      : views
          .filter((v) => v.idleSinceMs !== undefined && !v.draining)
          .sort((a, b) => (a.idleSinceMs ?? 0) - (b.idleSinceMs ?? 0))
          .slice(0, blocks);
    const cancelled: string[] = [];
    for (const view of chosen) {
      const record = this.records.get(view.blockId);
      if (!record) continue;
      // Hold first so the interchange sends the block nothing more while it is being cancelled; the
      // interchange holds it only if it is still idle. The status the choice was made on may be a
      // heartbeat old: a task (the next step of a workflow) may have reached the block since. Such
      // a block is left alone this round instead of waiting here, which would stall the strategy
      // (no other block scaled in or out) for as long as that task runs.
      const hold = await host.command({ command: 'holdBlockIfIdle', blockId: view.blockId }).catch(() => undefined);
      if (hold?.command === 'holdBlockIfIdle' && !hold.held) {
        host.log(`htex: block ${view.blockId} got a task since it was chosen for scale-in; kept`);
        continue;
      }
      record.draining = true;
      // An interchange that did not answer: hold pool by pool, and let tasks that reached the block finish (bounded).
      if (hold === undefined) {
        for (const m of host.managerSnapshot().managers.filter((x) => x.blockId === view.blockId)) {
          await host.command({ command: 'hold', poolId: m.poolId }).catch(() => undefined);
        }
        await this.waitBlockIdle(view.blockId, SCALE_IN_DRAIN_MS);
      }
      await host.provider.cancel([record.jobId]);
      this.records.delete(view.blockId);
      this.event(view.blockId, 'ended', record.jobId, 'scaled in');
      // Anything that still reached it fails now (ManagerLost → the kernel's retries), not after heartbeats.
      await host.command({ command: 'dropBlock', blockId: view.blockId, reason: 'its block was scaled in' }).catch(() => undefined);
      host.log(`htex: block ${view.blockId} (job ${record.jobId}) scaled in`);
      cancelled.push(view.blockId);
    }
    return cancelled;
  }

  terminated(blockId: string, status: BlockStatus): void {
    const record = this.records.get(blockId);
    if (!record) return;
    this.records.delete(blockId);
    this.event(blockId, 'ended', record.jobId, status.state);
    this.host.log(`htex: block ${blockId} ended (${status.state}${status.detail ? `: ${status.detail}` : ''})`);
    void this.host.command({ command: 'dropBlock', blockId, reason: `its block ended (${status.state})` }).catch(() => undefined);
  }

  /** Shutdown: cancels every known block (undefined when there is none) and forgets them. */
  cancelAll(): Promise<unknown> | undefined {
    const jobIds = [...this.records.values()].map((b) => b.jobId);
    for (const b of this.records.values()) this.event(b.blockId, 'ended', b.jobId, 'the executor shut down');
    this.records.clear();
    if (jobIds.length === 0) return undefined;
    return this.host.provider.cancel(jobIds).catch((err) => this.host.log(`htex: cancelling blocks failed: ${String(err)}`));
  }

  /** A pool of `blockId` registered: the block runs (said once per block). */
  poolRegistered(blockId: string): void {
    const record = this.records.get(blockId);
    if (!record || record.running) return;
    record.running = true;
    this.event(blockId, 'running', record.jobId);
  }

  private event(blockId: string, state: BlockEvent['state'], jobId: string, detail?: string): void {
    this.host.blockEvent(detail === undefined ? { blockId, provider: this.host.provider.label, state, jobId } : { blockId, provider: this.host.provider.label, state, jobId, detail });
  }

  /** Polls the interchange until the block's pools hold no task, the limit passes, or the executor stops running. */
  private async waitBlockIdle(blockId: string, limitMs: number): Promise<void> {
    const deadline = Date.now() + limitMs;
    for (;;) {
      const reply = await this.host.command({ command: 'managers' }).catch(() => undefined);
      const busy = reply?.command === 'managers' ? reply.managers.filter((m) => m.blockId === blockId).reduce((sum, m) => sum + m.tasks, 0) : 0;
      if (busy === 0 || Date.now() >= deadline || this.host.state() !== 'RUNNING') return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** The shell command a block runs: one `parsl-cwl pool` per node (the launcher wraps it). */
function poolCommand(s: PoolSettings, blockId: string): string {
  const args = [
    process.execPath,
    MAIN_SCRIPT,
    'pool',
    '--addresses',
    s.addresses.join(','),
    '--port',
    String(s.workerPort),
    '--block-id',
    blockId,
    '--workers',
    String(s.workersPerPool),
    '--prefetch',
    String(s.prefetchCapacity),
    '--heartbeat-period',
    String(s.heartbeatPeriodSec),
    '--heartbeat-threshold',
    String(s.heartbeatThresholdSec),
    '--log-dir',
    s.logDir,
    ...(s.certDir ? ['--cert-dir', s.certDir] : ['--no-encryption']),
    ...(s.drainPeriodSec ? ['--drain-period', String(s.drainPeriodSec)] : []),
    ...(s.drainBeforeWalltime ? ['--block-walltime', String(s.drainBeforeWalltime.walltimeSec), '--drain-before-end', String(s.drainBeforeWalltime.drainBeforeSec)] : []),
  ];
  return args.map(shellQuote).join(' ');
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
