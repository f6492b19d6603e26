/**
 * One tool job in a container (CWL v1.2 §DockerRequirement, §Runtime environment): whether it runs
 * in one, with which engine and image, which host paths are bound where, and removing the container
 * when the command is stopped. executeJob (src/cwl/execution) calls these; the command itself
 * starts through the process supervisor like any other (processRunner.ts), so time limits, cancels
 * and slots behave the same. docs/containers.md describes the layout.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { runProcess } from '../../process/index.js';
import { UnsupportedRequirementError } from '../errors.js';
import { isDirectory, isFile, type Requirement } from '../model.js';
import { findEngine, programsLookedFor, removeArgv, type Mount } from './engines.js';
import { DEFAULT_CONTAINER_SETTINGS, type ContainerSettings } from './settings.js';
import type { ContainerEngine, ImageRequest } from './types.js';

/** The decision for one job: run in this engine with this image. */
export interface ContainerChoice {
  engine: ContainerEngine;
  image: ImageRequest;
  /** DockerRequirement.dockerOutputDirectory: where the output directory is inside the container. */
  outputDirectory?: string | undefined;
  settings: ContainerSettings;
}

const ENGINE_FLAGS = '--podman, --docker or --singularity';

/**
 * Decide whether the job runs in a container. A DockerRequirement under `requirements` with no
 * engine (or with containers off) is unsupported (exit 33); a hint, or `--default-container`, with
 * no engine runs on the host with one warning line.
 */
export function chooseContainer(
  docker: Requirement | undefined,
  required: boolean,
  settings: ContainerSettings = DEFAULT_CONTAINER_SETTINGS,
  warn: (line: string) => void = () => {},
): ContainerChoice | undefined {
  let image: ImageRequest | undefined = docker === undefined ? undefined : imageRequest(docker);
  if (image === undefined && settings.defaultContainer !== undefined) image = { dockerPull: settings.defaultContainer };
  if (image === undefined) return undefined;
  if (settings.mode === 'off') {
    if (required) throw new UnsupportedRequirementError('DockerRequirement', `containers are off (--no-container) but the tool requires one; run without --no-container, or move DockerRequirement to \`hints\``);
    return undefined;
  }
  const engine = findEngine(settings.mode, settings.exe);
  if (engine === undefined) {
    const looked = settings.exe ?? programsLookedFor(settings.mode).join(', ');
    if (required) {
      throw new UnsupportedRequirementError('DockerRequirement', `no container engine found on PATH (looked for ${looked}); install one, or choose one with ${ENGINE_FLAGS}`);
    }
    warn(`no container engine found on PATH (looked for ${looked}): running the tool with this machine's programs; install one, or pass --no-container to say so`);
    return undefined;
  }
  const outDir = docker?.dockerOutputDirectory;
  return { engine, image, outputDirectory: typeof outDir === 'string' && outDir !== '' ? path.posix.normalize(outDir) : undefined, settings };
}

function imageRequest(req: Requirement): ImageRequest {
  const out: ImageRequest = {};
  for (const key of ['dockerPull', 'dockerLoad', 'dockerFile', 'dockerImport', 'dockerImageId'] as const) {
    const v = req[key];
    // The loader has read `dockerFile: {$include: file}` into its text already.
    if (typeof v === 'string' && v !== '') out[key] = v;
  }
  return out;
}

/** A name no other container on this node has: stops and removals address it. */
export function containerName(): string {
  return `parsl-cwl-${process.pid}-${randomBytes(6).toString('hex')}`;
}

/** The host paths a job's command may read, from its (staged) inputs: every File and Directory path, with secondaryFiles. */
export function inputPaths(value: unknown, into: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) {
    for (const v of value) inputPaths(v, into);
  } else if (isFile(value) || isDirectory(value)) {
    if (typeof value.path === 'string') into.add(value.path);
    // A Directory's own bind covers its listing; its listing may name entries staged elsewhere.
    if (isDirectory(value) && value.listing) for (const e of value.listing) inputPaths(e, into);
    if (isFile(value) && value.secondaryFiles) for (const s of value.secondaryFiles) inputPaths(s, into);
  } else if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) inputPaths(v, into);
  }
  return into;
}

function inside(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
}

/**
 * The binds of a job: the output directory read-write at its container path, the temporary
 * directory read-write, every input (and InitialWorkDir source) read-only at its own path, and the
 * absolute InitialWorkDir entries at theirs. A path inside a folder already bound is not bound
 * again; a bind's source that is a symbolic link (a staged input) is bound as its target, so the
 * container sees the file, not a link into a host folder it does not have.
 */
export function jobMounts(opts: {
  outdir: { host: string; container: string };
  tmpdir: { host: string; container: string };
  readOnly: Iterable<string>;
  /** Sources the tool changes in place (InplaceUpdateRequirement), bound read-write at their own path. */
  readWrite?: Iterable<string>;
  absoluteEntries: Map<string, string>;
}): Mount[] {
  const mounts: Mount[] = [
    { source: opts.outdir.host, target: opts.outdir.container, readOnly: false },
    { source: opts.tmpdir.host, target: opts.tmpdir.container, readOnly: false },
  ];
  const covered = [opts.outdir.host, opts.tmpdir.host];
  // Inputs staged at an absolute entryname have that container path now: bound below, from the host.
  const absoluteTargets = new Set(opts.absoluteEntries.values());
  // Shortest first: a folder is bound before the paths inside it, which then need no bind.
  const ro = [...new Set(opts.readOnly)].filter((p) => path.isAbsolute(p)).sort((a, b) => a.length - b.length || (a < b ? -1 : 1));
  for (const p of ro) {
    if (absoluteTargets.has(p) || covered.some((dir) => inside(p, dir))) continue;
    mounts.push({ source: p, target: p, readOnly: true });
    covered.push(p);
  }
  for (const p of opts.readWrite ?? []) {
    // Bound on top of a read-only folder holding it, if any; the job's own folders are read-write already.
    if (inside(p, opts.outdir.host) || inside(p, opts.tmpdir.host)) continue;
    mounts.push({ source: p, target: p, readOnly: false });
  }
  for (const [host, container] of opts.absoluteEntries) mounts.push({ source: host, target: container, readOnly: false });
  return mounts;
}

/**
 * Removes the container when the supervisor stops its client (time limit, cancel, Ctrl-C): the
 * container runs under the engine's own monitor, outside the client's process group, so stopping
 * the client alone would leave it running. The removal is one more process through the supervisor.
 */
export class ContainerReaper {
  private removal: Promise<void> | undefined;

  constructor(
    private readonly engine: ContainerEngine,
    private readonly name: string,
    private readonly log: (line: string) => void,
    private readonly scratch: string,
  ) {}

  /** Start removing the container now (idempotent). */
  readonly remove = (): void => {
    if (this.removal !== undefined) return;
    const argv = removeArgv(this.engine, this.name);
    if (argv === undefined) {
      this.removal = Promise.resolve();
      return;
    }
    this.log(`removing container ${this.name}`);
    this.removal = runProcess({ argv, cwd: '/', env: { ...(process.env as Record<string, string>) }, stdout: '/dev/null', stderr: `${this.scratch}.rm.log` }).then(
      (o) => {
        if (o.exitCode !== 0) this.log(`${argv.join(' ')} exited with code ${o.exitCode} (see ${this.scratch}.rm.log)`);
      },
      (err: unknown) => this.log(`${argv.join(' ')} failed: ${(err as Error).message}`),
    );
  };

  /** Resolves when a removal that was started has ended. */
  async settled(): Promise<void> {
    await this.removal;
  }

  get started(): boolean {
    return this.removal !== undefined;
  }
}
