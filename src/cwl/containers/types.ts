/**
 * The contract between running a tool in a container (engines.ts, the run argv, mounts) and making
 * its image available on a node (images.ts). Both sides build on these types only, so the engine
 * that runs a job and the engine that fetched its image cannot disagree.
 */

/** The container engines parsl-cwl can drive. */
export type EngineName = 'podman' | 'docker' | 'apptainer';

/** One engine found on this node. */
export interface ContainerEngine {
  name: EngineName;
  /** Absolute path of the engine's program (`/usr/bin/podman`). */
  exe: string;
}

/** The image fields of a DockerRequirement (CWL v1.2 §DockerRequirement), as written in the tool. */
export interface ImageRequest {
  dockerPull?: string;
  dockerLoad?: string;
  dockerFile?: string;
  dockerImport?: string;
  dockerImageId?: string;
}

/** Where and how an image is made available. */
export interface ImageContext {
  engine: ContainerEngine;
  /** Apptainer's SIF cache folder (on the shared filesystem for Slurm blocks); unused by podman/docker. */
  cacheDir?: string;
  /** The tool document's folder: relative `dockerLoad`/`dockerImport` paths resolve against it. */
  baseDir?: string;
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** false: use an image already on the node only, never fetch or make one (`--disable-pull`). */
  pull?: boolean;
}
