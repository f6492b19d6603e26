/**
 * Options of the HighThroughputExecutor and their defaults, in one place (the YAML config in
 * src/config reads its HTEX defaults from here).
 */
import type { ExecutionProvider } from '../../providers/index.js';
import type { BlockScalerOptions } from '../strategy/blockScaler.js';

/**
 * Options of the HighThroughputExecutor (docs/configuration.md has the same keys as config file fields).
 * @experimental May change before 1.0.
 */
export interface HtexOptions {
  label?: string;
  /** Where blocks (pools) come from: LocalProvider or SlurmProvider. */
  provider: ExecutionProvider;
  /** Worker processes per pool, one task each (Parsl's max_workers_per_node). */
  workersPerPool?: number;
  /** Tasks a pool holds beyond one per worker (Parsl's prefetch_capacity). */
  prefetchCapacity?: number;
  /** CurveZMQ on every link (default true); false warns (the start context's `warn`: stderr in the CLI). */
  encrypted?: boolean;
  heartbeatPeriodSec?: number;
  /** A pool (or the interchange) silent this long is considered lost. */
  heartbeatThresholdSec?: number;
  /** Pools stop taking tasks this long after they start, and exit once idle (null: never). */
  drainPeriodSec?: number | null;
  /**
   * With a provider that has a walltime (Slurm): pools stop taking tasks this long before their
   * block's walltime, finish what they have and leave; a task still running just before the end
   * fails with BlockWalltimeError (retried elsewhere with `retries`). null: never.
   */
  drainBeforeWalltimeSec?: number | null;
  /** Host names/addresses pools try to reach the interchange at, in order (default: this host's name, then 127.0.0.1). */
  addresses?: string[];
  /**
   * Interface the interchange binds for pools: `*` for all, or one address. Default: only this
   * host's addresses that `addresses` resolve to (the ones the pools are told to use).
   */
  workerBindInterface?: string;
  /** Port for pools (default 0: any free port). */
  workerPort?: number;
  /** How long to wait for the interchange to report ready. */
  interchangeStartTimeoutSec?: number;
  /**
   * Block scaling between the provider's min_blocks and max_blocks (period, max_idletime, give-up
   * after failed blocks); false keeps the init_blocks and never replaces or adds one.
   */
  strategy?: Pick<BlockScalerOptions, 'periodSec' | 'maxIdleTimeSec' | 'maxBlockFailures'> | false;
}

export const HTEX_DEFAULTS = {
  label: 'htex',
  prefetchCapacity: 0,
  encrypted: true,
  heartbeatPeriodSec: 5,
  heartbeatThresholdSec: 30,
  drainPeriodSec: null,
  drainBeforeWalltimeSec: null,
  workerPort: 0,
  interchangeStartTimeoutSec: 30,
} as const;
