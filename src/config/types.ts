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

/** `containers:` (docs/configuration.md, docs/containers.md); command-line flags win over it. */
export interface ContainersSection {
  /** `auto` (default): podman, docker on PATH, else apptainer; `none`: no containers (as --no-container). */
  engine?: 'auto' | 'podman' | 'docker' | 'apptainer' | 'singularity' | 'none';
  /** The engine's program, when not the one on PATH. */
  exe?: string;
  /** Apptainer's SIF files (on the shared filesystem, so Slurm blocks share them). */
  image_cache?: string;
  /** Extra words for the engine's run command, before the image. */
  extra_args?: string[];
  /** Image of tools without a DockerRequirement (as --default-container). */
  default_container?: string;
}

export interface ParslCwlConfig {
  executor?: LocalExecutorSection | HtexSection;
  containers?: ContainersSection;
  /** The kernel's retry budget per task. */
  retries?: number;
}
