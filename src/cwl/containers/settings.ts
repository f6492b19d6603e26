/**
 * How a run uses containers, as plain JSON in the JobSpec (JobOptions.container): the same settings
 * reach executeJob in the local executor, on HTEX workers and in Slurm blocks, and the engine is
 * looked up there, on the node that runs the job (its PATH, its programs).
 */
import type { EngineName } from './types.js';

/**
 * `auto`: the first of podman, docker found on PATH, else apptainer (or singularity); `off`: run
 * every command on the host (`--no-container`); an engine name: that engine only.
 * @experimental
 */
export type ContainerMode = 'auto' | 'off' | EngineName;

/** How a job uses containers (docs/containers.md). @experimental */
export interface ContainerSettings {
  mode: ContainerMode;
  /** The engine's program when not the one found on PATH (config `containers.exe`). */
  exe?: string;
  /** Apptainer's SIF cache folder (config `containers.imageCache`; on the shared filesystem for Slurm). */
  cacheDir?: string;
  /** Words added to the engine's `run`/`exec` before the image (config `containers.extraArgs`). */
  extraArgs?: string[];
  /** `--default-container IMG`: tools without a DockerRequirement run in IMG (when containers are on). */
  defaultContainer?: string;
  /**
   * false (`--disable-pull`): only images already on the node are used; one that is not there fails
   * the job (PCWL_IMAGE_UNAVAILABLE) instead of being pulled, loaded, built or imported (as cwltool).
   */
  pull?: boolean;
}

/** What a JobSpec without container settings gets: containers on, the engine found on PATH (as cwltool). */
export const DEFAULT_CONTAINER_SETTINGS: ContainerSettings = { mode: 'auto' };
