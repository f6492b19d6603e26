/**
 * The process layer, the bottom of the data path: how parsl-cwl starts and stops the processes it
 * runs for its users (CWL tool commands, bash apps; locally and on HTEX workers). One supervisor per
 * Node process (supervisor.ts) with one of two backends: the native spawner (nativeBackend.ts,
 * launch mode in launchSpawner.ts) or Node's spawn (spawnBackend.ts). docs/tool-start.md tells
 * how a process starts and stops.
 */
import { DEFAULT_KILL_GRACE_MS, Supervisor, type ProcessOutcome, type ProcessSpec } from './supervisor.js';

export { DEFAULT_KILL_GRACE_MS, Supervisor, backendFromEnvironment, type ProcessOutcome, type ProcessSpec, type SupervisorOptions } from './supervisor.js';
export type { BackendName, Rusage } from './backend.js';
export { EnvironmentSettingError, ProcessLostError, ProcessStartFailedError, type StartStep } from './errors.js';
export { groupGone, signalGroup } from './groups.js';
export { SPAWNER_BIN } from './nativeBackend.js';
export { ProcessSlots } from './slots.js';

export interface ProcessSettings {
  /** After SIGTERM, how long a stopped process group gets before SIGKILL (default 2000 ms). */
  killGraceMs?: number;
  /**
   * The launch spawner's socket name (bin/parsl-cwl started `pcwl-spawner --launch` before Node and
   * passed it in PARSL_CWL_SPAWNER_SOCKET). Takes effect for the first process started.
   */
  launchSpawnerSocket?: string;
}

let killGraceMs = DEFAULT_KILL_GRACE_MS;
let launchSpawnerSocket: string | undefined;
let supervisor: Supervisor | undefined;

/** Settings of this process's supervisor; the launch socket only before its first process. */
export function configureProcesses(settings: ProcessSettings): void {
  if (settings.killGraceMs !== undefined) killGraceMs = settings.killGraceMs;
  if (settings.launchSpawnerSocket !== undefined && supervisor === undefined) launchSpawnerSocket = settings.launchSpawnerSocket;
}

function theSupervisor(): Supervisor {
  supervisor ??= new Supervisor(launchSpawnerSocket === undefined ? {} : { launchSpawnerSocket }, () => killGraceMs);
  return supervisor;
}

/** Run one process under this process's supervisor (see Supervisor.run). */
export function runProcess(spec: ProcessSpec): Promise<ProcessOutcome> {
  return theSupervisor().run(spec);
}

/** A process will be started soon: the backend gets ready now (the native spawner starts). */
export function warmProcesses(): void {
  theSupervisor().warm();
}

/** Resolves once no process started through `runProcess` is running. */
export function processesIdle(): Promise<void> {
  return supervisor?.whenIdle() ?? Promise.resolve();
}
