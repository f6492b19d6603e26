/**
 * Making a DockerRequirement's image available on this node (CWL v1.2 §DockerRequirement):
 * `ensureImage` returns what the engine's run command takes, an image name or id for podman and
 * docker, a SIF file path for apptainer.
 *
 * Once per process for the same request: concurrent callers share one in-flight pull, load, build or
 * import, so a scatter of 200 instances makes one pull, not 200. A result is kept for the life of
 * the process; a failure for FAILURE_MEMORY_MS, so the instances of a scatter that arrive in waves
 * all get the first attempt's error while a retry a minute later tries again. A caller's abort
 * signal only stops its own wait; the engine command is stopped when every caller waiting on it
 * has aborted.
 *
 * Every engine command starts through src/process (runProcess) with its stdout and stderr in files;
 * the engine's own message in an error is the last error line of its stderr.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { ProcessStartFailedError, runProcess } from '../../process/index.js';
import { ImageUnavailableError } from '../errors.js';
import { apptainerBuildArgv, apptainerSourceUri, ociImageArgv, sifPath, type ApptainerSource } from './imageCommands.js';
import { isImageId, normaliseImageName } from './names.js';
import type { ContainerEngine, ImageContext, ImageRequest } from './types.js';

/** How long a failed attempt answers the same request before the next caller tries again. */
export const FAILURE_MEMORY_MS = 60_000;

/** What ensureImageDetail tells: the image for the run, and whether it had to be fetched (pulled, loaded, built, imported or converted) rather than found. */
export interface ImageReady {
  image: string;
  fetched: boolean;
}

interface Shared {
  promise: Promise<ImageReady>;
  controller: AbortController;
  /** Callers waiting that can still abort; a caller without a signal pins the attempt. */
  abortable: number;
  pinned: boolean;
  settled: boolean;
}

const shared = new Map<string, Shared>();

/**
 * Make the image of `req` available to `ctx.engine` on this node and return what its run command
 * takes. Rejects with ImageUnavailableError (PCWL_IMAGE_UNAVAILABLE), or with the abort reason of
 * `ctx.signal`.
 */
export async function ensureImage(req: ImageRequest, ctx: ImageContext): Promise<string> {
  return (await ensureImageDetail(req, ctx)).image;
}

/** ensureImage, also telling whether the image was fetched or found (see runFoundNoImage). */
export async function ensureImageDetail(req: ImageRequest, ctx: ImageContext): Promise<ImageReady> {
  ctx.signal?.throwIfAborted();
  const request = await resolveRequest(req, ctx);
  // dockerPull spelled two ways (`debian:stable-slim`, `docker.io/library/debian:stable-slim`) is one request.
  const key = JSON.stringify([ctx.engine.name, ctx.engine.exe, ctx.engine.name === 'apptainer' ? cacheFolder(ctx) : '', ctx.pull !== false, { ...request, dockerPull: undefined }]);
  let entry = shared.get(key);
  if (entry === undefined) {
    const controller = new AbortController();
    const made: Shared = { promise: Promise.resolve({ image: '', fetched: false }), controller, abortable: 0, pinned: false, settled: false };
    const found = { found: false };
    made.promise = acquire(request, { ...ctx, signal: controller.signal }, found).then(
      (image) => {
        made.settled = true;
        return { image, fetched: !found.found };
      },
      (err: unknown) => {
        made.settled = true;
        if (controller.signal.aborted) shared.delete(key);
        else setTimeout(() => shared.get(key) === made && shared.delete(key), FAILURE_MEMORY_MS).unref();
        throw err;
      },
    );
    made.promise.catch(() => undefined); // a caller that aborted leaves nobody to observe it
    shared.set(key, made);
    entry = made;
  }
  return waitFor(entry, key, ctx.signal);
}

function waitFor(entry: Shared, key: string, signal: AbortSignal | undefined): Promise<ImageReady> {
  if (signal === undefined) {
    entry.pinned = true;
    return entry.promise;
  }
  entry.abortable++;
  return new Promise<ImageReady>((resolvePromise, reject) => {
    const onAbort = () => {
      entry.abortable--;
      // Nobody is left waiting for it: stop the engine command and forget the attempt.
      if (!entry.settled && entry.abortable === 0 && !entry.pinned) {
        if (shared.get(key) === entry) shared.delete(key);
        entry.controller.abort(signal.reason);
      }
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    entry.promise.then(
      (image) => {
        signal.removeEventListener('abort', onAbort);
        entry.abortable--;
        resolvePromise(image);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        entry.abortable--;
        reject(err);
      },
    );
  });
}

/** A request with relative paths made absolute and `dockerPull` as its full name: the sharing key. */
interface ResolvedRequest extends ImageRequest {
  /** `dockerPull`, or a `dockerImageId` that is a name, in full (docker.io/library/...:tag). */
  pullName?: string;
}

async function resolveRequest(req: ImageRequest, ctx: ImageContext): Promise<ResolvedRequest> {
  const out: ResolvedRequest = {};
  const named = req.dockerImageId ?? req.dockerPull ?? req.dockerLoad ?? req.dockerImport ?? '(a dockerFile image)';
  if (req.dockerImageId !== undefined) out.dockerImageId = req.dockerImageId;
  if (req.dockerFile !== undefined) out.dockerFile = req.dockerFile;
  if (req.dockerLoad !== undefined) out.dockerLoad = resolveSource(req.dockerLoad, ctx.baseDir);
  if (req.dockerImport !== undefined) out.dockerImport = resolveSource(req.dockerImport, ctx.baseDir);
  // What a pull fetches: dockerPull, or a dockerImageId that is a name when nothing else says where the image comes from.
  const otherSource = req.dockerLoad !== undefined || req.dockerFile !== undefined || req.dockerImport !== undefined;
  const idIsName = req.dockerImageId !== undefined && !isImageId(req.dockerImageId);
  const pull = req.dockerPull ?? (!otherSource && idIsName ? req.dockerImageId : undefined);
  if (req.dockerPull !== undefined) out.dockerPull = req.dockerPull;
  if (pull !== undefined) {
    try {
      out.pullName = await normaliseImageName(pull);
    } catch (err) {
      throw new ImageUnavailableError(pull, ctx.engine.name, `${(err as Error).message}; fix the DockerRequirement`);
    }
  }
  if (Object.keys(out).length === 0) throw new ImageUnavailableError(named, ctx.engine.name, 'the DockerRequirement names no image (give dockerPull, dockerLoad, dockerFile, dockerImport or dockerImageId)');
  return out;
}

/** A URL stays as it is; a file: URL or a path becomes an absolute path (relative to the tool's folder). */
function resolveSource(source: string, baseDir: string | undefined): string {
  if (/^https?:\/\//i.test(source)) return source;
  if (source.startsWith('file:')) return fileURLToPath(source);
  return isAbsolute(source) ? source : resolve(baseDir ?? process.cwd(), source);
}

/** `found.found` is set when the image was there already (nothing was fetched). */
type Found = { found: boolean };

function acquire(req: ResolvedRequest, ctx: ImageContext, found: Found): Promise<string> {
  return ctx.engine.name === 'apptainer' ? acquireSif(req, ctx, found) : acquireOci(req, ctx, found);
}

// ---------------------------------------------------------------------------------------------
// Trying the run first

/**
 * The image a podman or Docker run (`--pull never`) can be started with at once, before any
 * look-up: the name the request gives (`dockerImageId`, else `dockerPull`). Looking the image up
 * costs an engine start
 * (`image inspect`: 70-250 ms on the loaded CI machines) before every first job of a process; a run
 * of an image that is absent fails at once with exit code 125 and a message runFoundNoImage knows,
 * after which the caller calls ensureImageDetail and runs again when the image was fetched.
 * Undefined (look it up first): Apptainer (it needs a SIF path), or no name in the request.
 */
export function imageToTry(req: ImageRequest, engine: ContainerEngine): string | undefined {
  if (engine.name === 'apptainer') return undefined;
  return req.dockerImageId ?? req.dockerPull;
}

/**
 * Whether a `run --pull never` that exited with `exitCode` and wrote `stderrTail` failed because the
 * engine has no such image (podman: `Error: NAME: image not known`; Docker: `Error response from
 * daemon: No such image: NAME`), rather than the tool failing. A tool that exits 125 with such a
 * line is told apart by the caller: ensureImageDetail then finds the image (`fetched` false).
 */
export function runFoundNoImage(engine: ContainerEngine, exitCode: number, stderrTail: string): boolean {
  if (engine.name === 'apptainer' || exitCode !== 125) return false;
  return engine.name === 'podman' ? /^Error: .*: image not known$/m.test(stderrTail) : /Error response from daemon: No such image: /.test(stderrTail);
}

// ---------------------------------------------------------------------------------------------
// Podman and Docker

async function acquireOci(req: ResolvedRequest, ctx: ImageContext, found: Found): Promise<string> {
  const engine = ctx.engine;
  const dockerfileTag = req.dockerFile === undefined ? undefined : `pcwl-dockerfile:${createHash('sha256').update(req.dockerFile).digest('hex').slice(0, 16)}`;
  // The name the run command gets when the image is there already.
  const runName = req.dockerImageId ?? req.dockerPull ?? dockerfileTag;
  if (runName !== undefined && (await inspect(ctx, runName))) {
    found.found = true;
    return runName;
  }
  if (ctx.pull === false) throw notOnNode(req.pullName ?? runName ?? req.dockerLoad ?? req.dockerImport ?? '', ctx);

  if (req.pullName !== undefined) {
    const full = req.pullName;
    const result = await engineCommand(ctx, full, ociImageArgv.pull(full));
    if (result.exitCode !== 0) throw new ImageUnavailableError(full, engine.name, `${engine.name} pull failed: ${result.message}; check the name, or make the image available on this node (${engine.name} pull, load or import)`);
    // dockerImageId names the image to run when both are given; the pulled name otherwise.
    if (req.dockerImageId !== undefined && req.dockerImageId !== req.dockerPull && (await inspect(ctx, req.dockerImageId))) return req.dockerImageId;
    return full;
  }
  if (req.dockerLoad !== undefined) return loadTarball(req, req.dockerLoad, ctx);
  if (req.dockerFile !== undefined) return buildDockerfile(req.dockerFile, req.dockerImageId ?? dockerfileTag!, ctx);
  if (req.dockerImport !== undefined) return importTarball(req.dockerImport, req.dockerImageId, ctx);
  // Only an image id (a hash): nothing tells where to get it.
  throw new ImageUnavailableError(req.dockerImageId ?? '', engine.name, `no image with this id on this node, and the DockerRequirement gives no dockerPull, dockerLoad, dockerFile or dockerImport to get it`);
}

/** `--disable-pull` and the image is not on this node: nothing may fetch or make it. */
function notOnNode(image: string, ctx: ImageContext, where = ''): ImageUnavailableError {
  const how = ctx.engine.name === 'apptainer' ? 'convert it to a SIF file in the image cache' : `${ctx.engine.name} pull, load, build or import it`;
  return new ImageUnavailableError(image, ctx.engine.name, `not on this node${where}, and pulling is off (--disable-pull); ${how} first, or run without --disable-pull`);
}

async function inspect(ctx: ImageContext, image: string): Promise<boolean> {
  return (await engineCommand(ctx, image, ociImageArgv.inspect(image), { quiet: true })).exitCode === 0;
}

async function loadTarball(req: ResolvedRequest, source: string, ctx: ImageContext): Promise<string> {
  const engine = ctx.engine;
  return withLocalFile(source, ctx, async (tarball) => {
    const result = await engineCommand(ctx, source, ociImageArgv.load(tarball));
    if (result.exitCode !== 0) throw new ImageUnavailableError(source, engine.name, `${engine.name} load failed: ${result.message}; give a tarball written by '${engine.name} save' (or 'docker save')`);
    // `Loaded image: NAME`, `Loaded image(s): A,B` (older podman) or `Loaded image ID: sha256:…` (docker).
    const loaded = [...result.stdout.matchAll(/^Loaded image(?:\(s\))?(?: ID)?: (.+)$/gm)].flatMap((m) => m[1]!.split(',').map((s) => s.trim())).filter(Boolean);
    if (req.dockerImageId !== undefined) {
      if (await inspect(ctx, req.dockerImageId)) return req.dockerImageId;
      throw new ImageUnavailableError(req.dockerImageId, engine.name, `the tarball ${source} holds ${loaded.join(', ') || 'no named image'}, not dockerImageId '${req.dockerImageId}'; correct dockerImageId`);
    }
    if (loaded[0] === undefined) throw new ImageUnavailableError(source, engine.name, `${engine.name} load printed no image name; give dockerImageId`);
    return loaded[0];
  });
}

async function buildDockerfile(dockerfile: string, tag: string, ctx: ImageContext): Promise<string> {
  const engine = ctx.engine;
  const dir = await mkdtemp(join(tmpdir(), 'pcwl-dockerfile-'));
  try {
    const file = join(dir, 'Dockerfile');
    await writeFile(file, dockerfile);
    const result = await engineCommand(ctx, tag, ociImageArgv.build(tag, file, dir));
    if (result.exitCode !== 0) throw new ImageUnavailableError(tag, engine.name, `${engine.name} build of the dockerFile failed: ${result.message}; fix the dockerFile (its FROM image must be pullable or already on this node)`);
    return tag;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function importTarball(source: string, tag: string | undefined, ctx: ImageContext): Promise<string> {
  const engine = ctx.engine;
  const result = await engineCommand(ctx, source, ociImageArgv.import(source, tag));
  if (result.exitCode !== 0) throw new ImageUnavailableError(tag ?? source, engine.name, `${engine.name} import of ${source} failed: ${result.message}; give a root filesystem tarball (path or URL)`);
  if (tag !== undefined) return tag;
  // Without dockerImageId the image is untagged: the run uses the id the engine printed.
  const id = result.stdout.trim().split('\n').pop()?.trim() ?? '';
  if (!isImageId(id)) throw new ImageUnavailableError(source, engine.name, `${engine.name} import printed no image id; give dockerImageId`);
  return id;
}

// ---------------------------------------------------------------------------------------------
// Apptainer: SIF files in the cache folder

/** Apptainer's SIF cache: ctx.cacheDir, else $PARSL_CWL_CACHE_DIR/sif, $XDG_CACHE_HOME/parsl-cwl/sif or ~/.cache/parsl-cwl/sif. */
export function cacheFolder(ctx: ImageContext): string {
  if (ctx.cacheDir !== undefined) return resolve(ctx.cacheDir);
  const root = process.env.PARSL_CWL_CACHE_DIR || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'parsl-cwl');
  return join(root, 'sif');
}

/**
 * What Apptainer is asked to convert for a request: the SIF file it becomes, and its source.
 * Undefined source with a `ready` path: dockerImageId is a SIF file already. Throws
 * ImageUnavailableError for what Apptainer cannot build from (dockerFile, dockerImport).
 */
function apptainerPlan(req: ResolvedRequest, cacheDir: string, exe: string): { sif: string; source: ApptainerSource } {
  const image = req.dockerImageId ?? req.dockerPull ?? req.dockerLoad ?? req.dockerImport ?? '(a dockerFile image)';
  if (req.pullName !== undefined) {
    const source: ApptainerSource = { kind: 'registry', image: req.pullName };
    return { sif: sifPath(cacheDir, source), source };
  }
  if (req.dockerLoad !== undefined) {
    const source: ApptainerSource = { kind: 'archive', tarball: req.dockerLoad };
    return { sif: sifPath(cacheDir, source), source };
  }
  const what = req.dockerFile !== undefined ? 'build a dockerFile' : req.dockerImport !== undefined ? 'import a root filesystem tarball (dockerImport)' : 'find an image by its id alone';
  throw new ImageUnavailableError(image, 'apptainer', `apptainer cannot ${what} (${exe}); run this tool with podman or docker, or give dockerImageId as the path of a .sif file`);
}

/**
 * The conversion Apptainer would run for `req` (no process is started): the SIF file and the
 * `apptainer build` argv, writing to `<sif>.partial` here (a unique name in a real conversion).
 * For tests and `--debug` explanations; throws ImageUnavailableError as ensureImage would.
 */
export async function apptainerConversion(req: ImageRequest, ctx: ImageContext): Promise<{ sif: string; argv: string[] }> {
  const { sif, source } = apptainerPlan(await resolveRequest(req, ctx), cacheFolder(ctx), ctx.engine.exe);
  return { sif, argv: [ctx.engine.exe, ...apptainerBuildArgv(`${sif}.partial`, apptainerSourceUri(source))] };
}

async function acquireSif(req: ResolvedRequest, ctx: ImageContext, found: Found): Promise<string> {
  const id = req.dockerImageId;
  if (id !== undefined && id.endsWith('.sif')) {
    const path = resolve(ctx.baseDir ?? process.cwd(), id);
    if (await isFile(path)) {
      found.found = true;
      return path;
    }
    if (req.dockerPull === undefined && req.dockerLoad === undefined) throw new ImageUnavailableError(path, 'apptainer', 'no such SIF file; give its path (relative to the tool document) or a dockerPull');
  }
  const dir = cacheFolder(ctx);
  const { sif, source } = apptainerPlan(req, dir, ctx.engine.exe);
  if (await isFile(sif)) {
    found.found = true;
    return sif;
  }
  if (ctx.pull === false) throw notOnNode(source.kind === 'registry' ? source.image : source.tarball, ctx, ` (no ${sif})`);
  await mkdir(dir, { recursive: true });
  // Written under a name of its own, then renamed: blocks converting the same image at once on a
  // shared filesystem never see a half-written file, and the last rename wins with a whole one.
  const partial = `${sif}.${process.pid}-${randomBytes(4).toString('hex')}.partial`;
  const convert = async (from: ApptainerSource) => {
    const result = await engineCommand(ctx, apptainerSourceUri(from), apptainerBuildArgv(partial, apptainerSourceUri(from)));
    if (result.exitCode !== 0) throw new ImageUnavailableError(source.kind === 'registry' ? source.image : source.tarball, 'apptainer', `apptainer build failed: ${result.message}; check the image name, or convert it to a SIF file and give its path as dockerImageId`);
    await rename(partial, sif);
  };
  try {
    if (source.kind === 'archive') await withLocalFile(source.tarball, ctx, (tarball) => convert({ kind: 'archive', tarball }));
    else await convert(source);
  } finally {
    await rm(partial, { force: true });
  }
  return sif;
}

// ---------------------------------------------------------------------------------------------
// Engine commands and files

interface EngineResult {
  exitCode: number;
  stdout: string;
  /** One line from the engine's stderr: its last error line, else its last line. */
  message: string;
}

/** Run `<engine> ...args` through the process supervisor, its output in files read afterwards. */
async function engineCommand(ctx: ImageContext, image: string, args: string[], opts: { quiet?: boolean } = {}): Promise<EngineResult> {
  const engine: ContainerEngine = ctx.engine;
  if (!opts.quiet) ctx.log?.(`${engine.name} ${args.join(' ')}`);
  const dir = await mkdtemp(join(tmpdir(), 'pcwl-image-'));
  try {
    const stdout = join(dir, 'stdout');
    const stderr = join(dir, 'stderr');
    let outcome;
    try {
      outcome = await runProcess({ argv: [engine.exe, ...args], cwd: dir, env: environment(), stdout, stderr, signal: ctx.signal });
    } catch (err) {
      if (err instanceof ProcessStartFailedError) throw new ImageUnavailableError(image, engine.name, `cannot run ${err.file} (${err.errno}); install ${engine.name} or choose another engine`);
      throw err;
    }
    const [out, errText] = await Promise.all([readFile(stdout, 'utf8'), readFile(stderr, 'utf8')]);
    return { exitCode: outcome.exitCode, stdout: out, message: engineMessage(errText, outcome.exitCode) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The engine's own one-line message: its last `Error…` line, else its last line, shortened. */
export function engineMessage(stderr: string, exitCode: number): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const line = [...lines].reverse().find((l) => /^(Error|FATAL|ERROR)\b/.test(l)) ?? lines[lines.length - 1];
  if (line === undefined) return `exit code ${exitCode}, nothing on stderr`;
  const text = line.replace(/^(Error|FATAL|ERROR):\s*/, '').replace(/\s+/g, ' ');
  return text.length > 400 ? `${text.slice(0, 397)}...` : text;
}

function environment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  return env;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Gives `use` a local path for `source`: the path itself, or a URL downloaded to a temporary file. */
async function withLocalFile<T>(source: string, ctx: ImageContext, use: (path: string) => Promise<T>): Promise<T> {
  if (!/^https?:\/\//i.test(source)) {
    if (!(await isFile(source))) throw new ImageUnavailableError(source, ctx.engine.name, 'no such file; give the tarball\'s path (relative to the tool document) or an http(s) URL');
    return use(source);
  }
  const dir = await mkdtemp(join(tmpdir(), 'pcwl-image-download-'));
  try {
    const file = join(dir, 'image.tar');
    ctx.log?.(`downloading ${source}`);
    let response: Response;
    try {
      response = await fetch(source, ctx.signal === undefined ? {} : { signal: ctx.signal });
    } catch (err) {
      if (ctx.signal?.aborted) throw ctx.signal.reason;
      const cause = (err as { cause?: { message?: string } }).cause?.message;
      throw new ImageUnavailableError(source, ctx.engine.name, `cannot download it: ${cause ?? (err as Error).message}`);
    }
    if (!response.ok || response.body === null) throw new ImageUnavailableError(source, ctx.engine.name, `cannot download it: HTTP ${response.status} ${response.statusText}`);
    await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), createWriteStream(file), ctx.signal === undefined ? {} : { signal: ctx.signal });
    return await use(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
