/**
 * Containers for CWL tools (CWL v1.2 §DockerRequirement): the engine/image contract (types.ts),
 * making images available on a node (images.ts), finding engines and their run argv (engines.ts),
 * the per-job choices, binds and clean-up (containerJob.ts) and the settings carried in the JobSpec
 * (settings.ts). docs/containers.md.
 */
export type { ContainerEngine, EngineName, ImageContext, ImageRequest } from './types.js';
export { FAILURE_MEMORY_MS, apptainerConversion, cacheFolder, engineMessage, ensureImage } from './images.js';
export { apptainerBuildArgv, apptainerSourceUri, ociImageArgv, sifPath, type ApptainerSource } from './imageCommands.js';
export { isImageId, normaliseImageName } from './names.js';
export { DEFAULT_CONTAINER_SETTINGS, type ContainerMode, type ContainerSettings } from './settings.js';
export { CONTAINER_LABEL, MountPathError, findEngine, onPath, programsLookedFor, removeArgv, runArgv, type ContainerRun, type Mount } from './engines.js';
export { ContainerReaper, chooseContainer, containerName, inputPaths, jobMounts, type ContainerChoice } from './containerJob.js';
