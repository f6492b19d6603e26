/** The config file's shape as TypeScript (what CONFIG_JSON_SCHEMA accepts), for building it in code. */
import type { SlurmProviderSection } from '../providers/slurm/index.js';

export interface LauncherSection {
  type: 'single_node' | 'simple' | 'srun';
  overrides?: string;
}

export interface LocalProviderSection {
  type: 'local';
  init_blocks?: number;
  min_blocks?: number;
  max_blocks?: number;
  parallelism?: number;
  launcher?: LauncherSection;
}

export interface StrategySection {
  period?: number;
  max_idle_time?: number;
  max_block_failures?: number;
}

export interface LocalExecutorSection {
  type: 'local';
  label?: string;
  max_workers?: number;
}

export interface HtexSection {
  type: 'htex';
  label?: string;
  workers_per_pool?: number;
  prefetch_capacity?: number;
  encrypted?: boolean;
  heartbeat_period?: number;
  heartbeat_threshold?: number;
  drain_period?: number | null;
  drain_before_walltime?: number | null;
  address?: string | string[];
  worker_bind_interface?: string;
  worker_port?: number;
  interchange_start_timeout?: number;
  strategy?: StrategySection | false;
  provider?: LocalProviderSection | SlurmProviderSection;
}

export interface ParslCwlConfig {
  executor?: LocalExecutorSection | HtexSection;
  /** The kernel's retry budget per task. */
  retries?: number;
}
