/**
 * executeJob: run one CWL tool invocation described by a JobSpec (src/cwl/jobSpec.ts), the same way
 * in the local executor and on HTEX workers.
 *
 * Order (CWL v1.2 §Runtime environment, §Execution, §Output binding): check requirements → make
 * the job folders → stage inputs → runtime (ResourceRequirement) → InitialWorkDirRequirement →
 * streams, environment, time limit → build and run the command line → exit code → collect outputs.
 */
import { stringifyJson } from '../../util/index.js';
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ContainerReaper,
  MountPathError,
  chooseContainer,
  containerName,
  ensureImageDetail,
  imageToTry,
  inputPaths,
  jobMounts,
  runArgv,
  runFoundNoImage,
  type ContainerChoice,
} from '../containers/index.js';
import { buildCommandLine, loadInputContents, resolveInputSecondaryFiles } from '../commandLine/index.js';
import { DocumentInvalidError, StagingError, ToolFailedError } from '../errors.js';
import { ExpressionEvaluator } from '../expressions/index.js';
import type { JobResult, JobSpec } from '../jobSpec.js';
import { isDirectory, isFile, type CommandLineTool, type CwlDirectory, type CwlFile, type ExpressionTool } from '../model.js';
import { collectOutputs, runExpressionTool } from '../outputs/index.js';
import { buildEnvironment } from './environment.js';
import type { EvalContext, Evaluate } from './evaluation.js';
import { isExpression } from './evaluation.js';
import { exitStatus, fileTail } from './exitStatus.js';
import { checkInputFormats } from './inputFormats.js';
import { stageInitialWorkDir, type StagedPaths } from './initialWorkDir.js';
import { applyLoadListing } from './loadListing.js';
import { checkOutputConfinement } from './outputConfinement.js';
import { setPath } from './pathFields.js';
import { rebase } from './placement.js';
import { warmProcesses, type ProcessSlots } from '../../process/index.js';
import { reportProcess, type TaskRunReport } from '../../executors/index.js';
import { runCommand, SpawnFailure } from './processRunner.js';
import { RequirementSet } from './requirements.js';
import { buildRuntime, type Runtime } from './runtime.js';
import { InputStager } from './staging.js';
import { resolveStreams } from './streams.js';
import { makeTmpdir, releaseTmpdir } from './tmpdirs.js';

/** Optional observers of a job run (not part of the JobSpec: they do not cross process boundaries). */
export interface ExecuteHooks {
  /** Debug log lines (ignored hints, the command line, the exit code). */
  log?: (line: string) => void;
  /** After SIGTERM (time limit, cancel), how long the command's group gets before SIGKILL. */
  killGraceMs?: number | undefined;
  /** The command starts when one of these is free (the local executor's limit on running commands). */
  processSlots?: ProcessSlots | undefined;
  /** Filled for the run record (docs/run-record.md): job folder, command line, sizes, resource use. */
  report?: TaskRunReport | undefined;
}

export async function executeJob(spec: JobSpec, signal?: AbortSignal, hooks?: ExecuteHooks): Promise<JobResult> {
  const log = hooks?.log ?? (() => {});
  const reqs = new RequirementSet(spec.requirements, spec.hints);
  for (const cls of reqs.checkSupported()) log(`${spec.name}: ignoring unknown hint ${cls}`);
  signal?.throwIfAborted();

  const jobDir = path.resolve(spec.paths.jobDir);
  const outdir = path.resolve(spec.paths.outdir ?? path.join(jobDir, 'out'));
  const ownFile = jobFiles(jobDir, outdir);
  const tmpdir = path.resolve(spec.paths.tmpdir ?? ownFile('tmp'));
  const report = hooks?.report;
  if (report) {
    report.workDir = jobDir;
    report.inputBytes = fileBytes(spec.inputs);
  }
  // Synchronous: a mkdir system call here costs less than a thread-pool round trip (measured on a
  // 1,000-way scatter, docs/tool-start.md). The tmpdir is
  // mostly an earlier job's, renamed (tmpdirs.ts).
  makeJobFolders(jobDir, outdir === jobDir ? [] : [outdir]);
  const tmpPool = spec.paths.tmpdir === undefined ? path.dirname(jobDir) : undefined;
  makeTmpdir(tmpdir, tmpPool);

  const evaluator = ExpressionEvaluator.fromRequirements(reqs.inForce, [], {
    timeoutMs: spec.options?.expressionTimeoutMs,
    memoryMb: spec.options?.expressionMemoryMb,
  });
  const evaluate: Evaluate = (text, ctx, options) => evaluator.evaluate(text, ctx, options);

  try {
    if (spec.tool.class === 'ExpressionTool') {
      // §ExpressionTool: no command; File/Directory literals it returns are written into outdir.
      // ToolTimeLimit limits commands only (conformance timelimit_expressiontool).
      const runtime = await buildRuntime(reqs.get('ResourceRequirement'), { outdir, tmpdir }, spec.inputs, evaluate);
      const outputs = await runExpressionTool(spec.tool as ExpressionTool, spec.inputs, { ...runtime }, evaluator, {
        jobName: spec.name,
        computeChecksum: spec.options?.computeChecksum ?? true,
        requirements: reqs.inForce,
      });
      if (report) report.outputBytes = fileBytes(outputs);
      return { outputs, exitCode: 0, outdir };
    }
    const run: JobRun = { spec, reqs, ownFile, outdir, tmpdir, evaluator, evaluate, log, signal, killGraceMs: hooks?.killGraceMs, slots: hooks?.processSlots, report };
    const result = await runCommandLineTool(run, spec.tool as CommandLineTool);
    if (report) report.outputBytes = fileBytes(result.outputs);
    return result;
  } finally {
    // §Runtime environment: the designated temporary directory may go as soon as the tool ends
    // (an empty one is kept for the next job instead: tmpdirs.ts).
    if (!spec.options?.keepTmp) await releaseTmpdir(tmpdir, tmpPool);
  }
}

/**
 * Where the job's own files go (its tmpdir, staged inputs, the logs of its stdout and stderr): in
 * the job folder, or beside it (`<jobDir>+tmp`, `<jobDir>+stg`, `<jobDir>+tool.stderr.log`, ...)
 * when the job folder is the output folder itself, as for workflow steps (JobPaths): one folder
 * made per job instead of two, where a mkdir is the costliest file operation of a scatter instance
 * (docs/workflows.md#benchmark).
 */
function jobFiles(jobDir: string, outdir: string): (name: string) => string {
  return outdir === jobDir ? (name) => `${jobDir}+${name}` : (name) => path.join(jobDir, name);
}

/**
 * The job folder, then its output folder. A recursive mkdir of `out` first tries
 * `out` itself, fails with ENOENT and climbs: one wasted system call per folder, and on these
 * machines a directory operation costs 0.15-0.3 ms while other jobs run (a scatter makes three per
 * instance). Folders given elsewhere (spec.paths) are made recursively as before.
 */
function makeJobFolders(jobDir: string, folders: string[]): void {
  mkdirSync(jobDir, { recursive: true });
  for (const dir of folders) {
    if (path.dirname(dir) !== jobDir) {
      mkdirSync(dir, { recursive: true });
      continue;
    }
    try {
      mkdirSync(dir);
    } catch (err) {
      // A folder left by an earlier attempt is fine; anything else in its place is not.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(dir).isDirectory()) throw err;
    }
  }
}

/** What one job run carries from step to step. */
interface JobRun {
  spec: JobSpec;
  reqs: RequirementSet;
  /** The path of one of the job's own files or folders (jobFiles). */
  ownFile: (name: string) => string;
  outdir: string;
  tmpdir: string;
  evaluator: ExpressionEvaluator;
  evaluate: Evaluate;
  log: (line: string) => void;
  signal: AbortSignal | undefined;
  killGraceMs: number | undefined;
  slots: ProcessSlots | undefined;
  report: TaskRunReport | undefined;
}

/**
 * The sizes of the Files in a CWL value (their `size` fields, secondaryFiles and Directory listings
 * included), for the run record: a walk over values already in memory, no file system call.
 */
function fileBytes(value: unknown): number {
  if (Array.isArray(value)) {
    let n = 0;
    for (const v of value) n += fileBytes(v);
    return n;
  }
  if (value === null || typeof value !== 'object') return 0;
  const o = value as Record<string, unknown>;
  if (o.class === 'File') return (typeof o.size === 'number' ? o.size : 0) + fileBytes(o.secondaryFiles);
  if (o.class === 'Directory') return fileBytes(o.listing);
  let n = 0;
  for (const k in o) n += fileBytes(o[k]);
  return n;
}

/** Stage the inputs, run the command, collect and check the outputs (the order in the module comment). */
async function runCommandLineTool(run: JobRun, declared: CommandLineTool): Promise<JobResult> {
  const { spec, reqs, ownFile, outdir, tmpdir, evaluator, evaluate, log, signal, killGraceMs, slots, report } = run;
  // §DockerRequirement: in a container when the tool asks for one (or --default-container) and an
  // engine is here; its image is made ready while the inputs are staged.
  const container = chooseContainer(reqs.get('DockerRequirement'), reqs.isRequired('DockerRequirement'), spec.options?.container, (line) => log(`${spec.name}: ${line}`));
  // An image named by the tool is tried at once (its run fails fast when it is absent, and is run
  // again once the image is fetched); otherwise it is looked up or fetched first. See imageToTry.
  const tryImage = container === undefined ? undefined : imageToTry(container.image, container.engine);
  const image = container === undefined || tryImage !== undefined ? undefined : startImage(container, spec, signal, log);
  // The folders as the command sees them: the output directory at dockerOutputDirectory when
  // given, everything else at its host path (docs/containers.md, "Paths").
  const seen = { outdir: container?.outputDirectory ?? outdir, tmpdir };
  // The native spawner (if not running yet) starts now, while the inputs are staged.
  warmProcesses();
  const stager = new InputStager(ownFile('stg'), spec.name);
  // Input secondaryFiles patterns and loadContents of the tool's own parameters (a workflow step's
  // inputs arrive without them).
  const prepared = await loadInputContents(declared.inputs, await resolveInputSecondaryFiles(declared.inputs, spec.inputs, evaluator));
  checkInputFormats(declared, prepared, evaluate, { inputs: prepared, self: null, runtime: seen });
  let inputs = await stager.stageInputs(prepared);
  await applyLoadListing(declared, reqs.get('LoadListingRequirement'), inputs);

  const runtime: Runtime = await buildRuntime(reqs.get('ResourceRequirement'), seen, inputs, evaluate);
  const ctx: EvalContext = { inputs, self: null, runtime: { ...runtime } };

  const iwd = reqs.get('InitialWorkDirRequirement');
  const absoluteEntries = new Map<string, string>();
  const iwdSources: string[] = [];
  const inplaceSources = new Set<string>();
  if (iwd !== undefined) {
    const staged = await stageInitialWorkDir(iwd, {
      outdir,
      evaluate,
      context: ctx,
      inplaceUpdate: reqs.get('InplaceUpdateRequirement')?.inplaceUpdate === true,
      jobName: spec.name,
      // §Dirent: an absolute entryname needs a container for sure, a DockerRequirement under
      // `requirements` (a hint may run on the host: iwd-container-entryname3 must fail).
      absoluteEntries: container !== undefined && reqs.isRequired('DockerRequirement') ? { hostRoot: ownFile('abs'), mounts: absoluteEntries } : undefined,
      inplaceSources,
    });
    // §InitialWorkDirRequirement: inputs that were staged there have their path set to the staged place.
    if (staged.size > 0) inputs = withStagedPaths(inputs, staged) as Record<string, unknown>;
    // Files named only in the listing (not inputs) may be passed through as outputs too.
    for (const src of staged.keys()) stager.sources.add(src);
    iwdSources.push(...staged.keys());
    ctx.inputs = inputs;
  }

  const { tool, streams } = await resolveStreams(declared, outdir, evaluate, ctx);
  const env = await buildEnvironment(reqs.get('EnvVarRequirement'), seen, evaluate, ctx, container !== undefined, spec.options?.environment);
  const timeLimitSec = timeLimit(reqs, evaluate, ctx);
  const commandLine = buildCommandLine(tool, inputs, { ...runtime }, evaluator, { requirements: reqs.inForce });
  if (report) report.commandLine = commandLine.argv;
  log(`${spec.name}: ${commandLine.argv.map((w) => (/^[\w./=:@%+,-]+$/.test(w) ? w : JSON.stringify(w))).join(' ')}`);

  const stdoutFile = streams.stdout ?? ownFile('tool.stdout.log');
  const stderrFile = streams.stderr ?? ownFile('tool.stderr.log');
  let argv = commandLine.argv;
  let cmdEnv = env;
  let reaper: ContainerReaper | undefined;
  /** Container folders bound from elsewhere on the host: paths the tool writes in cwl.output.json are mapped back. */
  let pathMap: Array<{ from: string; to: string }> = [];
  const inContainer = async (imageName: string): Promise<void> => {
    if (container === undefined) return;
    const name = containerName();
    try {
      const mounts = jobMounts({
        outdir: { host: outdir, container: seen.outdir },
        tmpdir: { host: tmpdir, container: seen.tmpdir },
        readOnly: [...inputPaths(inputs), ...iwdSources].filter((p) => !inplaceSources.has(p)),
        readWrite: inplaceSources,
        absoluteEntries,
      });
      pathMap = mounts.filter((m) => m.source !== m.target).map((m) => ({ from: m.target, to: m.source }));
      if (report) report.image = imageName;
      argv = runArgv(container.engine, {
        image: imageName,
        argv: commandLine.argv,
        workdir: seen.outdir,
        env,
        mounts,
        network: networkAccess(reqs, evaluate, ctx),
        stdin: streams.stdin !== undefined,
        name,
        user: { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 },
        extraArgs: container.settings.extraArgs,
      });
    } catch (err) {
      if (err instanceof MountPathError) throw new StagingError(spec.name, err.message, { cause: err });
      throw err;
    }
    log(`${spec.name}: in container ${name}: ${argv.join(' ')}`);
    // The engine's client gets this process's environment (it may need XDG_RUNTIME_DIR, its
    // config); the tool inside gets only `env`, passed with --env.
    cmdEnv = { ...(process.env as Record<string, string>) };
    reaper = new ContainerReaper(container.engine, name, log, ownFile('container'));
  };
  const runTool = async (): Promise<number> => {
    try {
      const { exitCode } = await runCommand({
        argv,
        cwd: outdir,
        env: cmdEnv,
        stdin: streams.stdin,
        stdout: stdoutFile,
        stderr: stderrFile,
        timeLimitSec,
        jobName: spec.name,
        signal,
        killGraceMs,
        slots,
        onStop: reaper?.remove,
        onEnded: report ? (outcome) => reportProcess(report, outcome) : undefined,
      });
      return exitCode;
    } catch (err) {
      // The client is gone without its container being told (the supervisor lost it): remove it.
      if (reaper !== undefined) {
        reaper.remove();
        await reaper.settled();
      }
      if (err instanceof SpawnFailure) throw new ToolFailedError(spec.name, 127, err.message);
      throw err;
    }
  };
  if (container !== undefined) await inContainer(tryImage ?? (await image!).image);
  let exitCode = await runTool();
  if (container !== undefined && tryImage !== undefined && runFoundNoImage(container.engine, exitCode, await fileTail(stderrFile))) {
    // The engine has no such image: make it available, and run again if it had to be fetched (if
    // it was there after all, the 125 and its message were the tool's own).
    const ready = await startImage(container, spec, signal, log);
    if (ready.fetched) {
      await inContainer(ready.image);
      exitCode = await runTool();
    }
  }
  // A time limit removed the container; the runner reports the limit once that is done.
  if (reaper?.started) await reaper.settled();
  log(`${spec.name}: exit code ${exitCode}`);
  const status = exitStatus(tool, exitCode);
  if (status !== 'success') throw new ToolFailedError(spec.name, exitCode, await fileTail(stderrFile), status);

  runtime.exitCode = exitCode;
  // Outputs are collected on this host, in the host's output directory.
  const outputs = await collectOutputs(tool, inputs, { ...runtime, outdir, tmpdir }, evaluator, {
    requirements: reqs.inForce,
    computeChecksum: spec.options?.computeChecksum ?? true,
    jobName: spec.name,
    pathMap,
  });
  // Inputs, files staged for them (stg/), and the output directory are where outputs may come from.
  await checkOutputConfinement(outputs, outdir, [...stager.sources, ownFile('stg')], spec.name);
  return { outputs, exitCode, outdir };
}

/** Start making the job's image available; the promise is awaited before the command starts. */
function startImage(choice: ContainerChoice, spec: JobSpec, signal: AbortSignal | undefined, log: (line: string) => void): Promise<{ image: string; fetched: boolean }> {
  const id = spec.tool.id;
  const baseDir = typeof id === 'string' && id.startsWith('file:') ? path.dirname(fileURLToPath(id.replace(/#.*$/, ''))) : undefined;
  const p = ensureImageDetail(choice.image, {
    engine: choice.engine,
    ...(choice.settings.cacheDir !== undefined ? { cacheDir: choice.settings.cacheDir } : {}),
    ...(baseDir !== undefined ? { baseDir } : {}),
    ...(signal !== undefined ? { signal } : {}),
    ...(choice.settings.pull === false ? { pull: false } : {}),
    log: (line) => log(`${spec.name}: ${line}`),
  });
  // Awaited later; a failure before then must not be an unhandled rejection.
  p.catch(() => {});
  return p;
}

/** §NetworkAccess: a container has no network unless networkAccess is true (a boolean or an expression). */
function networkAccess(reqs: RequirementSet, evaluate: Evaluate, ctx: EvalContext): boolean {
  const raw = reqs.get('NetworkAccess')?.networkAccess;
  if (raw === undefined || raw === null) return false;
  const value = isExpression(raw) ? evaluate(raw, ctx, { field: 'NetworkAccess.networkAccess' }) : raw;
  if (typeof value !== 'boolean') throw new DocumentInvalidError({ field: 'NetworkAccess.networkAccess' }, `must be true or false (got ${stringifyJson(value)})`);
  return value;
}

/** ToolTimeLimit.timelimit in seconds (an int or an expression); 0 means no limit (§ToolTimeLimit). */
function timeLimit(reqs: RequirementSet, evaluate: Evaluate, ctx: EvalContext): number {
  const raw = reqs.get('ToolTimeLimit')?.timelimit;
  if (raw === undefined || raw === null) return 0;
  const value = isExpression(raw) ? evaluate(raw, ctx, { field: 'ToolTimeLimit.timelimit' }) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new DocumentInvalidError({ field: 'ToolTimeLimit.timelimit' }, `must be a whole number of seconds, 0 or more (got ${stringifyJson(value)})`);
  }
  return value;
}

/** A copy of `value` whose Files/Directories staged by InitialWorkDirRequirement point at their new place. */
function withStagedPaths(value: unknown, staged: StagedPaths): unknown {
  if (Array.isArray(value)) return value.map((v) => withStagedPaths(v, staged));
  if (isFile(value) || isDirectory(value)) {
    const target = value.path !== undefined ? staged.get(value.path) : undefined;
    let obj: CwlFile | CwlDirectory = value;
    if (target !== undefined) {
      const from = value.path as string;
      obj = setPath({ ...value }, target);
      if (isDirectory(obj) && obj.listing) obj.listing = obj.listing.map((e) => rebase(e, from, target));
    }
    if (isFile(obj) && obj.secondaryFiles) obj = { ...obj, secondaryFiles: obj.secondaryFiles.map((s) => withStagedPaths(s, staged) as CwlFile | CwlDirectory) };
    return obj;
  }
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = withStagedPaths(v, staged);
    return out;
  }
  return value;
}
