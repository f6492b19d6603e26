/** The block-scaling rule as a pure function: how many blocks, and which ones may go. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BlockView } from '../../src/executors/executor.js';
import { decideScaling, targetBlocks } from '../../src/executors/strategy/index.js';
import type { ScalingInput } from '../../src/executors/strategy/index.js';

const NOW = 1_000_000;
const block = (blockId: string, over: Partial<BlockView> = {}): BlockView => ({ blockId, jobId: `j${blockId}`, managers: 1, activeTasks: 0, draining: false, ...over });
const input = (over: Partial<ScalingInput>): ScalingInput => ({
  outstanding: 0,
  workersPerBlock: 2,
  minBlocks: 0,
  maxBlocks: 4,
  parallelism: 1,
  blocks: [],
  nowMs: NOW,
  maxIdleTimeMs: 10_000,
  allowScaleOut: true,
  ...over,
});

test('outstanding work asks for one block per workersPerBlock tasks, capped at max_blocks', () => {
  assert.equal(targetBlocks(input({ outstanding: 3 })), 2);
  assert.equal(targetBlocks(input({ outstanding: 100 })), 4);
  assert.deepEqual(decideScaling(input({ outstanding: 7, blocks: [block('0')] })), { action: 'scaleOut', blocks: 3, targetBlocks: 4 });
});

test('parallelism scales the provisioning down, but waiting work always gets a block', () => {
  assert.equal(targetBlocks(input({ outstanding: 8, parallelism: 0.5 })), 2);
  assert.equal(targetBlocks(input({ outstanding: 8, parallelism: 0 })), 1);
  assert.deepEqual(decideScaling(input({ outstanding: 1, parallelism: 0 })), { action: 'scaleOut', blocks: 1, targetBlocks: 1 });
});

test('min_blocks are kept (and restored) with no work at all', () => {
  assert.deepEqual(decideScaling(input({ minBlocks: 2, blocks: [block('0')] })), { action: 'scaleOut', blocks: 1, targetBlocks: 2 });
  const idleLong = { idleSinceMs: NOW - 60_000 };
  assert.deepEqual(decideScaling(input({ minBlocks: 2, blocks: [block('0', idleLong), block('1', idleLong)] })), { action: 'none', targetBlocks: 2 });
});

test('pending blocks count as capacity: no second submission while the first waits in the queue', () => {
  assert.deepEqual(decideScaling(input({ outstanding: 2, blocks: [block('0', { managers: 0 })] })), { action: 'none', targetBlocks: 1 });
});

test('only blocks idle for max_idletime are scaled in, longest idle first, never busy ones', () => {
  const blocks = [
    block('busy', { activeTasks: 2 }),
    block('recent', { idleSinceMs: NOW - 2_000 }),
    block('old', { idleSinceMs: NOW - 50_000 }),
    block('older', { idleSinceMs: NOW - 90_000 }),
  ];
  assert.deepEqual(decideScaling(input({ blocks })), { action: 'scaleIn', blockIds: ['older', 'old'], targetBlocks: 0 });
  // With work left for one block, only the surplus beyond it goes.
  assert.deepEqual(decideScaling(input({ outstanding: 2, blocks })), { action: 'scaleIn', blockIds: ['older', 'old'], targetBlocks: 1 });
  assert.deepEqual(decideScaling(input({ outstanding: 6, blocks })), { action: 'scaleIn', blockIds: ['older'], targetBlocks: 3 });
});

test('draining blocks are already on their way out and do not count', () => {
  assert.deepEqual(decideScaling(input({ outstanding: 4, blocks: [block('0', { draining: true }), block('1', { activeTasks: 2 })] })), { action: 'scaleOut', blocks: 1, targetBlocks: 2 });
});

test('after repeated block failures the block count is held, not raised', () => {
  assert.deepEqual(decideScaling(input({ outstanding: 4, allowScaleOut: false })), { action: 'none', targetBlocks: 2 });
});

test('resource-aware: the cores or memory the outstanding tasks ask for can call for more blocks than their count', () => {
  // Four tasks fit one 4-worker block by count, but ask for 2 cores each: 8 cores are two 4-core blocks.
  assert.equal(targetBlocks(input({ outstanding: 4, workersPerBlock: 4, outstandingCores: 8, coresPerBlock: 4 })), 2);
  // 3 GB each on 4 GB blocks: one task per block by memory.
  assert.equal(targetBlocks(input({ outstanding: 3, workersPerBlock: 4, outstandingCores: 3, coresPerBlock: 4, outstandingRamMB: 9000, memPerBlockMB: 4096 })), 3);
  // Unknown block memory is not scaled on; max_blocks still caps.
  assert.equal(targetBlocks(input({ outstanding: 2, workersPerBlock: 4, outstandingRamMB: 1e6 })), 1);
  assert.equal(targetBlocks(input({ outstanding: 4, workersPerBlock: 4, outstandingCores: 64, coresPerBlock: 4 })), 4);
  assert.deepEqual(decideScaling(input({ outstanding: 4, workersPerBlock: 4, outstandingCores: 8, coresPerBlock: 4, blocks: [block('0', { activeTasks: 4 })] })), {
    action: 'scaleOut',
    blocks: 1,
    targetBlocks: 2,
  });
});

test('blocks still queued at the provider go first, without waiting for max_idletime', () => {
  const queued = block('2', { managers: 0, providerState: 'PENDING' });
  const starting = block('3', { managers: 0, providerState: 'RUNNING' });
  // No work: the queued block goes at once; the one starting up (no pool yet) and the busy one stay.
  assert.deepEqual(decideScaling(input({ blocks: [block('0', { activeTasks: 1 }), queued, starting] })), { action: 'scaleIn', blockIds: ['2'], targetBlocks: 0 });
  // Newest queued first, then idle-long-enough ones, never more than the surplus.
  const idle = block('1', { idleSinceMs: NOW - 20_000 });
  const queued2 = block('4', { managers: 0, providerState: 'PENDING' });
  assert.deepEqual(decideScaling(input({ outstanding: 2, blocks: [idle, queued, queued2] })), { action: 'scaleIn', blockIds: ['4', '2'], targetBlocks: 1 });
  // Before any work arrived (init_blocks), queued blocks keep their place in the queue.
  assert.deepEqual(decideScaling(input({ blocks: [queued], cancelQueued: false })), { action: 'none', targetBlocks: 0 });
});
