/**
 * The block-scaling rule, as a pure function of what the executor and provider report (Parsl's
 * `htex_auto_scale`, re-derived): enough blocks for the outstanding work scaled by `parallelism`,
 * never fewer than minBlocks nor more than maxBlocks, and only blocks idle for max_idletime go.
 */
import type { BlockView } from '../executor.js';

export interface ScalingInput {
  /** Tasks submitted to the executor and not finished. */
  outstanding: number;
  workersPerBlock: number;
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
}

export type ScalingDecision =
  | { action: 'none'; targetBlocks: number }
  | { action: 'scaleOut'; blocks: number; targetBlocks: number }
  | { action: 'scaleIn'; blockIds: string[]; targetBlocks: number };

/** How many blocks the work calls for, within the provider's limits. */
export function targetBlocks(input: Pick<ScalingInput, 'outstanding' | 'workersPerBlock' | 'minBlocks' | 'maxBlocks' | 'parallelism'>): number {
  let wanted = input.minBlocks;
  if (input.outstanding > 0) {
    const forWork = Math.ceil((input.outstanding * input.parallelism) / Math.max(1, input.workersPerBlock));
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
    // Only blocks with no task for max_idletime go; busy ones keep their tasks. Longest idle first.
    const idleEnough = live
      .filter((block) => block.activeTasks === 0 && block.idleSinceMs !== undefined && input.nowMs - block.idleSinceMs >= input.maxIdleTimeMs)
      .sort((a, b) => (a.idleSinceMs ?? 0) - (b.idleSinceMs ?? 0));
    const blockIds = idleEnough.slice(0, live.length - target).map((block) => block.blockId);
    if (blockIds.length > 0) return { action: 'scaleIn', blockIds, targetBlocks: target };
  }
  return { action: 'none', targetBlocks: target };
}
