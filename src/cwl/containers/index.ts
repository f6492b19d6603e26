/**
 * Containers for CWL tools (CWL v1.2 §DockerRequirement): running a tool's command in a container
 * (engines and their run argv in engines.ts, the per-job choices, binds and clean-up in
 * containerJob.ts, the settings carried in the JobSpec in settings.ts) and making its image
 * available on a node (images.ts, with names.ts and imageCommands.ts). docs/containers.md.
 */
export type { ContainerEngine, EngineName, ImageContext, ImageRequest } from './types.js';
export { DEFAULT_CONTAINER_SETTINGS, type ContainerMode, type ContainerSettings } from './settings.js';
export { CONTAINER_LABEL, MountPathError, findEngine, onPath, programsLookedFor, removeArgv, runArgv, type ContainerRun, type Mount } from './engines.js';
export { ContainerReaper, chooseContainer, containerName, inputPaths, jobMounts, type ContainerChoice } from './containerJob.js';
export { FAILURE_MEMORY_MS, apptainerConversion, cacheFolder, engineMessage, ensureImage, ensureImageDetail, imageToTry, runFoundNoImage, type ImageReady } from './images.js';
export { apptainerBuildArgv, apptainerSourceUri, ociImageArgv, sifPath, type ApptainerSource } from './imageCommands.js';
export { isImageId, normaliseImageName } from './names.js';
