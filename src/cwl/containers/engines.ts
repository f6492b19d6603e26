/**
 * Container engines: finding one on this node, and the argv that runs a tool's command in a
 * container with each of them (podman and docker share one command line; apptainer has its own).
 * Everything here is pure except the PATH lookup, so the argv are unit-tested without an engine.
 */
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import type { ContainerMode } from './settings.js';
import type { ContainerEngine, EngineName } from './types.js';

/** The programs looked for, in order, for each mode (`auto`: podman first, as it needs no daemon). */
const PROGRAMS: Record<ContainerMode, Array<{ name: EngineName; program: string }>> = {
  auto: [
    { name: 'podman', program: 'podman' },
    { name: 'docker', program: 'docker' },
    { name: 'apptainer', program: 'apptainer' },
    { name: 'apptainer', program: 'singularity' },
  ],
  podman: [{ name: 'podman', program: 'podman' }],
  docker: [{ name: 'docker', program: 'docker' }],
  apptainer: [
    { name: 'apptainer', program: 'apptainer' },
    { name: 'apptainer', program: 'singularity' },
  ],
  off: [],
};

/** The program names a mode looks for, for messages (`podman, docker, apptainer, singularity`). */
export function programsLookedFor(mode: ContainerMode): string[] {
  return PROGRAMS[mode].map((p) => p.program);
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The first executable `program` on the PATH given (a colon-separated list), as an absolute path. */
export function onPath(program: string, searchPath: string): string | undefined {
  for (const dir of searchPath.split(path.delimiter)) {
    if (dir === '' || !path.isAbsolute(dir)) continue;
    const file = path.join(dir, program);
    if (executable(file)) return file;
  }
  return undefined;
}

const found = new Map<string, ContainerEngine | null>();

/**
 * The engine this mode runs with on this node, or undefined when none is installed. `exe` (the
 * config's `containers.exe`) names the program instead of PATH; its name must then be the mode's
 * engine. Looked up once per process for the same mode, program and PATH.
 */
export function findEngine(mode: ContainerMode, exe?: string, searchPath: string = process.env.PATH ?? ''): ContainerEngine | undefined {
  if (mode === 'off') return undefined;
  const key = `${mode}\0${exe ?? ''}\0${searchPath}`;
  const hit = found.get(key);
  if (hit !== undefined) return hit ?? undefined;
  let engine: ContainerEngine | undefined;
  if (exe !== undefined) {
    const file = path.isAbsolute(exe) ? exe : onPath(exe, searchPath);
    if (file !== undefined && executable(file)) {
      const base = path.basename(file);
      const known = PROGRAMS.auto.find((p) => p.program === base);
      engine = { name: mode === 'auto' ? (known?.name ?? 'podman') : mode, exe: file };
    }
  } else {
    for (const { name, program } of PROGRAMS[mode]) {
      const file = onPath(program, searchPath);
      if (file !== undefined) {
        engine = { name, exe: file };
        break;
      }
    }
  }
  found.set(key, engine ?? null);
  return engine;
}

/** A bind mount: a host path at a container path. */
export interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
}

/** Everything that decides one container run (the engine-independent part of its argv). */
export interface ContainerRun {
  /** What the image step returned: an image name or id (podman/docker), a SIF file (apptainer). */
  image: string;
  /** The tool's command line, as it runs inside the container. */
  argv: string[];
  /** The working directory inside the container (the designated output directory there). */
  workdir: string;
  /** The tool's whole environment (HOME, TMPDIR, EnvVarRequirement), in container paths. */
  env: Record<string, string>;
  mounts: Mount[];
  /** NetworkAccess: false means no network at all. */
  network: boolean;
  /** The tool reads stdin (a file given to the engine client's stdin). */
  stdin: boolean;
  /** A name unique on this node: stops and removals address the container by it. */
  name: string;
  /** The runner's uid and gid: files the tool writes belong to the user. */
  user: { uid: number; gid: number };
  /** The config's extra words for the engine's run command, before the image. */
  extraArgs?: string[] | undefined;
}

/** The label every container parsl-cwl starts carries (`podman ps --filter label=parsl-cwl`). */
export const CONTAINER_LABEL = 'parsl-cwl';

/** The argv that runs `run` with this engine; throws on a mount path the engine cannot express. */
export function runArgv(engine: ContainerEngine, run: ContainerRun): string[] {
  return engine.name === 'apptainer' ? apptainerArgv(engine, run) : ociArgv(engine, run);
}

/**
 * podman and docker: `run --rm --init` with the container named and labelled, the user's uid:gid, no
 * network unless allowed, and `--pull never` (the image step made the image available already; a
 * pull here would only hide a mistake). No `--tty`: stdout and stderr stay apart. The image's
 * ENTRYPOINT is kept, as CWL expects (the command line is its arguments).
 */
function ociArgv(engine: ContainerEngine, run: ContainerRun): string[] {
  // --init: a small init as PID 1 passes the signals the client proxies (SIGTERM) on to the
  // command, which PID 1 itself would ignore; so a client stopped by anyone (a Slurm scancel signals
  // every process of the block, the removal below included) still ends its container, and --rm
  // removes it.
  const argv = [engine.exe, 'run', '--rm', '--init'];
  if (run.stdin) argv.push('--interactive');
  argv.push('--name', run.name, '--label', `${CONTAINER_LABEL}=1`);
  argv.push('--user', `${run.user.uid}:${run.user.gid}`);
  if (!run.network) argv.push('--network', 'none');
  argv.push('--pull', 'never');
  argv.push('--workdir', run.workdir);
  for (const [k, v] of Object.entries(run.env)) argv.push('--env', `${k}=${v}`);
  for (const m of run.mounts) {
    checkMountPath(m, ',', 'podman and docker --mount');
    argv.push('--mount', `type=bind,source=${m.source},target=${m.target}${m.readOnly ? ',readonly' : ''}`);
  }
  argv.push(...(run.extraArgs ?? []), run.image, ...run.argv);
  return argv;
}

/**
 * apptainer (and singularity, same CLI): `exec` in a contained environment (`--containall`: own
 * /tmp, IPC and PID namespaces, no host HOME, `--cleanenv`: none of the host's variables), the
 * output directory as HOME, the other folders bound. It runs as the user already. Network
 * isolation needs a network namespace (`--net --network none`).
 */
function apptainerArgv(engine: ContainerEngine, run: ContainerRun): string[] {
  const argv = [engine.exe, 'exec', '--containall', '--cleanenv', '--pwd', run.workdir];
  if (!run.network) argv.push('--net', '--network', 'none');
  for (const [k, v] of Object.entries(run.env)) argv.push('--env', `${k}=${v}`);
  for (const m of run.mounts) {
    checkMountPath(m, ':', 'apptainer --bind');
    argv.push('--bind', `${m.source}:${m.target}${m.readOnly ? ':ro' : ''}`);
  }
  argv.push(...(run.extraArgs ?? []), run.image, ...run.argv);
  return argv;
}

/** A path holding the engine's separator cannot be written in its mount option. */
export class MountPathError extends Error {}

function checkMountPath(m: Mount, separator: string, option: string): void {
  for (const p of [m.source, m.target]) {
    if (p.includes(separator) || p.includes('\n')) {
      throw new MountPathError(`${p}: a path with '${separator === '\n' ? 'newline' : separator}' cannot be given to ${option}; rename it or run with --no-container`);
    }
  }
}

/**
 * The argv that removes the container by name, whatever its state (stopping it first with no
 * grace: the supervisor already gave the command its grace period when that applied), or
 * undefined when the engine leaves nothing to remove (apptainer's container is its process group).
 */
export function removeArgv(engine: ContainerEngine, name: string): string[] | undefined {
  if (engine.name === 'apptainer') return undefined;
  if (engine.name === 'podman') return [engine.exe, 'rm', '--force', '--time', '0', '--ignore', name];
  return [engine.exe, 'rm', '--force', name];
}
