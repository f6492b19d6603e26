/**
 * The strategy loop (Parsl's job status poller + strategy): every period it polls the provider for
 * the executor's blocks, reports ended ones (so lost and timed-out blocks get replaced), then
 * scales out or in by decideScaling. stop() ends the loop and waits for a round in flight, so
 * nothing is submitted once shutdown has begun and the executor's shutdown can cancel every block.
 */
import { TERMINAL_BLOCK_STATES } from '../../providers/index.js';
import type { BlockStatus } from '../../providers/index.js';
import { ExecutorFailedError } from '../errors.js';
import type { BlockView, ScalingHooks } from '../executor.js';
import { decideScaling } from './scalingDecision.js';

export interface BlockScalerOptions {
  /** Seconds between rounds (Parsl's strategy_period). */
  periodSec?: number;
  /** Seconds a block must be idle before it is scaled in (Parsl's max_idletime). */
  maxIdleTimeSec?: number;
  /** Blocks in a row that end (or fail to submit) before any pool of theirs connected, before giving up. */
  maxBlockFailures?: number;
  log?: (line: string) => void;
  /** Called once when blocks keep failing; the executor should fail its tasks with this error. */
  onFailure?: (error: ExecutorFailedError) => void;
}

export const BLOCK_SCALER_DEFAULTS = { periodSec: 5, maxIdleTimeSec: 120, maxBlockFailures: 3 } as const;

/** What the scaler needs of an executor. */
export interface ScalableExecutor {
  readonly label: string;
  outstanding(): number;
  readonly scaling?: ScalingHooks;
}

type ScalerState = 'INITIALIZED' | 'RUNNING' | 'STOPPED';

export class BlockScaler {
  private readonly hooks: ScalingHooks;
  private readonly periodMs: number;
  private readonly maxIdleTimeMs: number;
  private readonly maxBlockFailures: number;
  private readonly log: (line: string) => void;
  private state: ScalerState = 'INITIALIZED';
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private readonly abort = new AbortController();
  /** Blocks that had a pool connected at some point: their end is not a start-up failure. */
  private readonly everConnected = new Set<string>();
  private failuresInARow = 0;
  /** Set once the executor had outstanding work: queued blocks are only cancelled after that. */
  private sawWork = false;
  private gaveUp = false;

  constructor(
    private readonly executor: ScalableExecutor,
    private readonly options: BlockScalerOptions = {},
  ) {
    if (!executor.scaling) throw new ExecutorFailedError(executor.label, 'has no provider to scale (no scaling hooks)');
    this.hooks = executor.scaling;
    this.periodMs = (options.periodSec ?? BLOCK_SCALER_DEFAULTS.periodSec) * 1000;
    this.maxIdleTimeMs = (options.maxIdleTimeSec ?? BLOCK_SCALER_DEFAULTS.maxIdleTimeSec) * 1000;
    this.maxBlockFailures = options.maxBlockFailures ?? BLOCK_SCALER_DEFAULTS.maxBlockFailures;
    this.log = options.log ?? (() => undefined);
  }

  /** Starts the periodic rounds (the first one after one period: the executor submitted init_blocks itself). */
  start(): void {
    if (this.state !== 'INITIALIZED') return;
    this.state = 'RUNNING';
    this.schedule();
  }

  /** Stops the rounds and waits for one in flight. Safe to call twice. */
  async stop(): Promise<void> {
    this.state = 'STOPPED';
    if (this.timer) clearTimeout(this.timer);
    this.abort.abort(new ExecutorFailedError(this.executor.label, 'block scaling stopped for shutdown'));
    await this.round;
  }

  /** Runs one round now (also what the timer runs). Rounds never overlap. */
  runRound(): Promise<void> {
    this.round ??= this.doRound().finally(() => {
      this.round = undefined;
    });
    return this.round;
  }

  /** A getter, so that checks after an await see a stop() that happened meanwhile. */
  private get stopped(): boolean {
    return this.state === 'STOPPED';
  }

  private schedule(): void {
    if (this.state !== 'RUNNING') return;
    this.timer = setTimeout(() => {
      void this.runRound()
        .catch((err: unknown) => this.log(`strategy: round failed: ${err instanceof Error ? err.message : String(err)}`))
        .finally(() => this.schedule());
    }, this.periodMs);
    // The loop alone must not keep the process alive.
    this.timer.unref();
  }

  private async doRound(): Promise<void> {
    if (this.state === 'STOPPED') return;
    const views = this.hooks.blocks();
    for (const view of views) if (view.managers > 0) this.everConnected.add(view.blockId);
    const { ended, states } = await this.poll(views);
    if (this.stopped) return;
    for (const { view, status } of ended) this.reportEnded(view, status);
    if (ended.length > 0) await this.cancelEnded(ended.map((e) => e.view.jobId));

    const endedIds = new Set(ended.map((e) => e.view.blockId));
    const work = this.hooks.outstandingResources?.();
    if ((work?.tasks ?? this.executor.outstanding()) > 0) this.sawWork = true;
    const decision = decideScaling({
      outstanding: work?.tasks ?? this.executor.outstanding(),
      ...(work ? { outstandingCores: work.cores, outstandingRamMB: work.ramMB } : {}),
      workersPerBlock: this.hooks.workersPerBlock,
      ...(this.hooks.coresPerBlock !== undefined ? { coresPerBlock: this.hooks.coresPerBlock } : {}),
      ...(this.hooks.memPerBlockMB !== undefined ? { memPerBlockMB: this.hooks.memPerBlockMB } : {}),
      minBlocks: this.hooks.provider.minBlocks,
      maxBlocks: this.hooks.provider.maxBlocks,
      parallelism: this.hooks.provider.parallelism,
      blocks: views.filter((view) => !endedIds.has(view.blockId)).map((view) => ({ ...view, providerState: states.get(view.blockId) })),
      nowMs: Date.now(),
      maxIdleTimeMs: this.maxIdleTimeMs,
      allowScaleOut: !this.gaveUp,
      cancelQueued: this.sawWork,
    });
    // No scaling once shutdown began: blocks submitted now could escape the executor's final cancel.
    if (this.stopped || decision.action === 'none') return;
    try {
      if (decision.action === 'scaleOut') {
        const ids = await this.hooks.scaleOut(decision.blocks);
        this.log(`strategy: scaled out by ${ids.length} block(s) to reach ${decision.targetBlocks} (outstanding ${this.executor.outstanding()})`);
      } else {
        const ids = await this.hooks.scaleIn(decision.blockIds.length, decision.blockIds);
        if (ids.length > 0) this.log(`strategy: scaled in queued or idle block(s) ${ids.join(', ')} toward ${decision.targetBlocks}`);
      }
    } catch (err) {
      this.log(`strategy: ${decision.action} failed: ${err instanceof Error ? err.message : String(err)}`);
      if (decision.action === 'scaleOut') this.countFailure(`submitting a block failed: ${err instanceof Error ? err.message : String(err)}`, err);
    }
  }

  /**
   * Cancels blocks the provider reported ended. For most this is a no-op, but a job that merely
   * vanished from squeue (MISSING, or COMPLETED after running) may still hold nodes: it must not
   * linger until its walltime once the executor has forgotten it.
   */
  private async cancelEnded(jobIds: string[]): Promise<void> {
    try {
      await this.hooks.provider.cancel(jobIds, this.abort.signal);
    } catch (err) {
      if (!this.stopped) this.log(`strategy: cancelling ended block(s) ${jobIds.join(', ')} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Asks the provider about every block; returns the ones in a terminal state, and each block's state. */
  private async poll(views: BlockView[]): Promise<{ ended: { view: BlockView; status: BlockStatus }[]; states: Map<string, BlockStatus['state']> }> {
    const states = new Map<string, BlockStatus['state']>();
    if (views.length === 0) return { ended: [], states };
    let statuses: BlockStatus[];
    try {
      statuses = await this.hooks.provider.status(
        views.map((view) => view.jobId),
        this.abort.signal,
      );
    } catch (err) {
      // A failed poll decides nothing: the blocks are judged again next round.
      if (!this.stopped) this.log(`strategy: polling block status failed: ${err instanceof Error ? err.message : String(err)}`);
      return { ended: [], states };
    }
    const ended: { view: BlockView; status: BlockStatus }[] = [];
    views.forEach((view, i) => {
      const status = statuses[i];
      if (status) states.set(view.blockId, status.state);
      if (status && TERMINAL_BLOCK_STATES.has(status.state)) ended.push({ view, status });
    });
    return { ended, states };
  }

  private reportEnded(view: BlockView, status: BlockStatus): void {
    this.log(`strategy: block ${view.blockId} (job ${view.jobId}) ended: ${status.state}${status.detail ? ` (${status.detail})` : ''}`);
    this.hooks.blockTerminated(view.blockId, status);
    if (this.everConnected.has(view.blockId) || view.draining) {
      this.failuresInARow = 0;
    } else {
      this.countFailure(`block ${view.blockId} (job ${view.jobId}) ended ${status.state}${status.detail ? ` (${status.detail})` : ''} before any pool connected`);
    }
    this.everConnected.delete(view.blockId);
  }

  private countFailure(what: string, cause?: unknown): void {
    this.failuresInARow++;
    if (this.gaveUp || this.failuresInARow < this.maxBlockFailures) return;
    this.gaveUp = true;
    const error = new ExecutorFailedError(
      this.executor.label,
      `${this.failuresInARow} blocks in a row failed to start (last: ${what}); no more blocks are submitted. ` +
        `Check the provider options and worker_init, and the blocks' stderr in the run's submit_scripts/`,
      { cause },
    );
    this.log(`strategy: ${error.message}`);
    this.options.onFailure?.(error);
  }
}
