/**
 * Slurm job states (squeue %T / sacct State, long names) → block states. States a block comes back
 * from (pending, requeued, completing) are not terminal; the rest end the block.
 */
import type { BlockState } from '../provider.js';

const SLURM_TO_BLOCK: Readonly<Record<string, BlockState>> = {
  PENDING: 'PENDING',
  CONFIGURING: 'PENDING',
  REQUEUED: 'PENDING',
  REQUEUE_FED: 'PENDING',
  RESIZING: 'RUNNING',
  RUNNING: 'RUNNING',
  SIGNALING: 'RUNNING',
  STAGE_OUT: 'RUNNING',
  // Still ending: the next poll sees why it ended (CANCELLED, TIMEOUT, ...).
  COMPLETING: 'RUNNING',
  SUSPENDED: 'HELD',
  STOPPED: 'HELD',
  REQUEUE_HOLD: 'HELD',
  RESV_DEL_HOLD: 'HELD',
  COMPLETED: 'COMPLETED',
  CANCELLED: 'CANCELLED',
  REVOKED: 'CANCELLED',
  FAILED: 'FAILED',
  BOOT_FAIL: 'FAILED',
  NODE_FAIL: 'FAILED',
  OUT_OF_MEMORY: 'FAILED',
  PREEMPTED: 'FAILED',
  SPECIAL_EXIT: 'FAILED',
  DEADLINE: 'TIMEOUT',
  TIMEOUT: 'TIMEOUT',
};

/** Maps a Slurm state such as `CANCELLED by 0` or `RUNNING` to a block state (UNKNOWN if new to us). */
export function blockStateOf(slurmState: string): BlockState {
  const word = slurmState.trim().split(/\s+/)[0]?.replace(/\+$/, '').toUpperCase() ?? '';
  return SLURM_TO_BLOCK[word] ?? 'UNKNOWN';
}
