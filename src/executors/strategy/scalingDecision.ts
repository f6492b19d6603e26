/**
 * The block-scaling rule, as a pure function of what the executor and provider report (Parsl's
 * `htex_auto_scale`, re-derived, then made resource-aware): enough blocks for the outstanding
 * work scaled by `parallelism` — its task count, and also the cores and memory those tasks ask
 * for when blocks' cores/memory are known — never fewer than minBlocks nor more than maxBlocks.
 * Surplus blocks go in this order: ones still queued at the provider (PENDING, no pool yet: they
 * cost nothing to drop and would only start to idle), then ones idle for max_idletime.
 */
import type { BlockView } from '../executor.js';

export interface ScalingInput {
  /** Tasks submitted to the executor and not finished. */
  outstanding: number;
  /** What those tasks ask for (absent: count only). */
  outstandingCores?: number;
  outstandingRamMB?: number;
  workersPerBlock: number;
  /** Cores and memory one block brings (absent: not known, not scaled on). */
  coresPerBlock?: number;
  memPerBlockMB?: number;
  minBlocks: number;
  maxBlocks: number;
  /** 0..1: share of the outstanding tasks to provision a worker for. */
  parallelism: number;
  /** Blocks asked for and not known to have ended (pending ones count: they are on their way). */
  blocks: BlockView[];
  nowMs: number;
  /** How long a block must have been idle before it is scaled in. */
  maxIdleTimeMs: number;
  /** False after repeated block failures: hold the block count, do not submit more. */
  allowScaleOut: boolean;
  /**
   * Whether surplus blocks still queued at the provider may be cancelled (default true). The
   * strategy says false until the executor has had work: init_blocks queued before the first task
   * arrives keep their place in the queue.
   */
  cancelQueued?: boolean;
}

export type ScalingDecision =
  | { action: 'none'; targetBlocks: number }
  | { action: 'scaleOut'; blocks: number; targetBlocks: number }
  | { action: 'scaleIn'; blockIds: string[]; targetBlocks: number };

/** How many blocks the work calls for, within the provider's limits. */
export function targetBlocks(
  input: Pick<ScalingInput, 'outstanding' | 'outstandingCores' | 'outstandingRamMB' | 'workersPerBlock' | 'coresPerBlock' | 'memPerBlockMB' | 'minBlocks' | 'maxBlocks' | 'parallelism'>,
): number {
  let wanted = input.minBlocks;
  if (input.outstanding > 0) {
    const blocksFor = (amount: number | undefined, perBlock: number | undefined): number =>
      amount !== undefined && perBlock !== undefined && perBlock > 0 ? Math.ceil((amount * input.parallelism) / perBlock) : 0;
    // Whichever runs out first decides: slots for the tasks, or the cores, or the memory they ask for.
    const forWork = Math.max(
      blocksFor(input.outstanding, Math.max(1, input.workersPerBlock)),
      blocksFor(input.outstandingCores, input.coresPerBlock),
      blocksFor(input.outstandingRamMB, input.memPerBlockMB),
    );
    // Waiting work always gets at least one block, whatever parallelism says.
    wanted = Math.max(wanted, forWork, 1);
  }
  return Math.min(wanted, input.maxBlocks);
}

export function decideScaling(input: ScalingInput): ScalingDecision {
  const target = targetBlocks(input);
  const live = input.blocks.filter((block) => !block.draining);
  if (target > live.length) {
    return input.allowScaleOut ? { action: 'scaleOut', blocks: target - live.length, targetBlocks: target } : { action: 'none', targetBlocks: target };
  }
  if (target < live.length) {
    // Blocks still queued go first (newest first: the oldest is likeliest to start soon); then
    // only blocks with no task for max_idletime go, longest idle first; busy ones keep their tasks.
    const queued = input.cancelQueued === false ? [] : live.filter((block) => block.providerState === 'PENDING' && block.managers === 0).reverse();
    const idleEnough = live
      .filter((block) => block.activeTasks === 0 && block.idleSinceMs !== undefined && input.nowMs - block.idleSinceMs >= input.maxIdleTimeMs)
      .sort((a, b) => (a.idleSinceMs ?? 0) - (b.idleSinceMs ?? 0));
    const blockIds = [...queued, ...idleEnough].slice(0, live.length - target).map((block) => block.blockId);
    if (blockIds.length > 0) return { action: 'scaleIn', blockIds, targetBlocks: target };
  }
  return { action: 'none', targetBlocks: target };
}
