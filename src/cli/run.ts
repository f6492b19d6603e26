/**
 * `parsl-cwl [options] DOC[#id] [JOB] [--input value ...]`: run a CWL document (cwltool-compatible).
 *
 * load → bind inputs (job file, then command-line inputs) → run (runProcess) → move final outputs
 * into --outdir → print the output object as JSON on stdout. Logs and errors go to stderr only.
 * Heavy modules (loader, execution) are imported when needed: --help/--version stay instant and a
 * small tool's run is mostly start-up time.
 */
import { stringifyJson, ErrorCode, ParslCwlError, packageVersion } from '../util/index.js';
import { accessSync, constants, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { removeTreeSync } from './run/removeTree.js';
import type { Process } from '../cwl/index.js';
import type { ContainerSettings } from '../cwl/containers/settings.js';
import type { RecordConfig } from '../dataflow/index.js';
import { ExitCode, exitCodeFor } from './exitCodes.js';
import { TmpdirUnusableError } from './errors.js';
import { CacheUnusableError } from '../cwl/errors.js';
import { errorReport } from './report.js';
import { HELP, parseRunArgs, type RunOptions } from './run/runOptions.js';
import { RunLog } from './run/runLog.js';
import { ProgressLine } from './run/progressLine.js';

export async function main(argv: string[]): Promise<number> {
  let opts: RunOptions;
  try {
    opts = parseRunArgs(argv);
  } catch (err) {
    process.stderr.write(`${errorReport(err, false)}\n`);
    return exitCodeFor(err);
  }
  if (opts.help) {
    process.stdout.write(HELP);
    return ExitCode.Success;
  }
  if (opts.version) {
    process.stdout.write(`parsl-cwl ${packageVersion()}\n`);
    return ExitCode.Success;
  }
  const log = new RunLog(opts.quiet, opts.debug, process.stderr, opts.timestamps);
  const interrupt = new AbortController();
  // The first signal cancels the run (the tool's process group is stopped, folders cleaned up); a
  // second one exits at once. `on`, not `once`: while the run goes on this handler stays registered,
  // so the clean-up handler of the process supervisor knows the signal is taken care of: they neither kill at once (the stopped tool gets its SIGTERM grace period) nor re-raise
  // it (cleanupSignalHandler, src/process/groups.ts).
  const onSignal = (sig: NodeJS.Signals) => {
    if (interrupt.signal.aborted) process.exit(ExitCode.Interrupted);
    interrupt.abort(new ParslCwlError(ErrorCode.Internal, `interrupted by ${sig}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await run(opts, log, interrupt.signal, argv);
  } catch (err) {
    // The process exits as soon as this returns (settle.ts), which would SIGKILL the groups of
    // commands still running: a cancelled tool first gets its SIGTERM grace period.
    await (await import('../process/index.js')).processesIdle();
    // A signal that came while this thread waited for a JavaScript expression (at most its time
    // limit, docs/expressions-and-outputs.md) is read in the event loop's next poll phase: the
    // second setImmediate runs after it.
    for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
    if (interrupt.signal.aborted) {
      process.stderr.write('parsl-cwl: interrupted; the running tool was stopped\n');
      return ExitCode.Interrupted;
    }
    process.stderr.write(`${errorReport(err, opts.debug)}\n`);
    return exitCodeFor(err);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function run(opts: RunOptions, log: RunLog, signal: AbortSignal, argv: string[]): Promise<number> {
  if (opts.document === undefined) {
    throw new ParslCwlError(ErrorCode.UsageError, 'no CWL document given; usage: parsl-cwl [options] DOC[#id] [JOB] [--input value ...]');
  }
  const started = Date.now();
  const proc = await loadDocument(opts.document, opts, log);
  if (opts.validate) {
    process.stdout.write(`${opts.document} is valid CWL.\n`);
    return ExitCode.Success;
  }
  if (opts.inputArgs.length > 0) {
    // `parsl-cwl tool.cwl --help`: the tool's inputs as flags, as cwltool prints them.
    const { asksForInputHelp, inputUsage } = await import('../cwl/inputs/commandLineInputs.js');
    if (asksForInputHelp(proc, opts.inputArgs)) {
      process.stdout.write(inputUsage(proc, path.basename(opts.document)));
      return ExitCode.Success;
    }
  }
  if (opts.config === undefined) await warnNoEngine(proc, opts, log);
  const { bindJobInputs } = await import('./run/bindInputs.js');
  const job = await bindJobInputs(proc, opts, log);

  // A run whose outputs could not be placed does not start (run/outdir.ts).
  const { checkOutdir } = await import('./run/outdir.js');
  checkOutdir(opts.outdir);
  // --provenance: its folder is checked before the run, the crate written after it, failed or not.
  const provenance = opts.provenance !== undefined ? await import('./run/provenance.js') : undefined;
  provenance?.checkProvenanceDir(opts.provenance as string);
  const prefix = opts.tmpdirPrefix ?? path.join(os.tmpdir(), 'parsl-cwl-');
  // Synchronous file work here and in the run path: a one-tool run that never uses libuv's thread
  // pool does not start its four threads (measured: ~5 % of a small run on this VM).
  let record: RecordConfig | false = false;
  if (opts.record) {
    const { makeRecordDir, DEFAULT_KEEP_RUNS } = await import('./run/recordDir.js');
    const dir = makeRecordDir(opts.runDir, opts.keepRuns ?? DEFAULT_KEEP_RUNS);
    log.debug(`run record: ${dir}`);
    record = { dir, argv: ['parsl-cwl', ...argv], process: /^[a-z][\w+.-]*:\/\//i.test(opts.document) ? opts.document : path.resolve(opts.document) };
    if (opts.jobFile !== undefined) record.jobFile = path.resolve(opts.jobFile);
  }
  const runDir = makeRunDir(prefix);
  const keep = opts.debug || opts.leaveTmp;
  const progress = new ProgressLine(path.basename(opts.document));
  if (!opts.quiet) progress.start();
  let succeeded = false;
  // Set when the run's outputs are still in runDir because they could not be moved to --outdir.
  let outputsLeft = false;
  try {
    const { runProcess } = await import('./run/runProcess.js');
    const outputs = await runProcess(proc, job.inputs, {
      runDir,
      extraRequirements: job.requirements,
      jobOptions: {
        computeChecksum: opts.computeChecksum,
        keepTmp: keep,
        ...jobCacheOptions(opts),
        ...preservedEnvironment(opts),
        ...(opts.evalTimeoutSec !== undefined ? { expressionTimeoutMs: opts.evalTimeoutSec * 1000 } : {}),
        ...(opts.evalMemoryMb !== undefined ? { expressionMemoryMb: opts.evalMemoryMb } : {}),
        ...containerOption(opts),
      },
      log,
      signal,
      serial: opts.serial,
      configFile: opts.config,
      record,
      progressDetail: (describe) => progress.setDetail(describe),
      onKernel: (dfk) =>
        progress.setCounts(() => {
          const c = dfk.taskCounts();
          return { total: c.submitted, waiting: c.pending, queued: c.launched, running: c.running, done: c.exec_done + c.memo_done, failed: c.failed + c.dep_fail };
        }),
    });
    const { OutputRelocator } = await import('../cwl/relocate.js');
    let final: Record<string, unknown>;
    try {
      final = await new OutputRelocator(path.resolve(opts.outdir), { movableRoots: [runDir] }).relocate(outputs);
    } catch (err) {
      // The outputs exist: keep them where they are and say where, whatever --leave-tmp says.
      outputsLeft = true;
      const { OutputsNotPlacedError } = await import('../cwl/index.js');
      if (err instanceof OutputsNotPlacedError) throw new OutputsNotPlacedError(err.outdir, err.reason, { keptIn: runDir, cause: err.cause });
      throw err;
    }
    progress.stop();
    if (provenance) {
      const file = await provenance.writeRunProvenance({ dir: opts.provenance as string, process: proc, inputs: job.inputs, outputs: final, recordDir: record === false ? undefined : record.dir, status: 'succeeded', startedAt: started, warn: (l) => log.warn(l) });
      log.info(`provenance: ${file}`);
    }
    // Exact: integers outside Number's safe range print as their digits (src/util/exactJson.ts).
    process.stdout.write(`${stringifyJson(final, 4)}\n`);
    succeeded = true;
    log.info(`${path.basename(opts.document)}: success in ${((Date.now() - started) / 1000).toFixed(2)} s`);
    return ExitCode.Success;
  } catch (err) {
    // A failed run's crate says so (its steps as far as they went); the run's own error stays the one reported.
    if (provenance && !succeeded) {
      await provenance
        .writeRunProvenance({ dir: opts.provenance as string, process: proc, inputs: job.inputs, recordDir: record === false ? undefined : record.dir, status: 'failed', startedAt: started, error: err instanceof Error ? err.message : String(err), warn: (l) => log.warn(l) })
        .then((file) => log.info(`provenance: ${file}`))
        .catch((e: unknown) => log.warn(e instanceof Error ? e.message : String(e)));
    }
    throw err;
  } finally {
    progress.stop();
    // Issue 5: when a workflow fails, the outputs of its finished steps stay (runProcess says
    // where); a workflow that failed before any step ran leaves nothing behind.
    const keepFailedWorkflow = !succeeded && proc.class === 'Workflow' && jobFoldersMade(runDir);
    if (keep) log.info(`job folders kept in ${runDir}`);
    else if (!keepFailedWorkflow && !outputsLeft) removeTreeSync(runDir);
    if (!succeeded) log.debug(`run failed after ${((Date.now() - started) / 1000).toFixed(2)} s`);
  }
}

/** The container flags as JobOptions.container (the config's `containers:` fills what they leave out: runProcess.ts). */
function containerOption(opts: RunOptions): { container?: ContainerSettings } {
  if (opts.containerMode === undefined && opts.defaultContainer === undefined && opts.pull === undefined) return {};
  return {
    container: {
      mode: opts.containerMode ?? 'auto',
      ...(opts.defaultContainer !== undefined ? { defaultContainer: opts.defaultContainer } : {}),
      ...(opts.pull !== undefined ? { pull: opts.pull } : {}),
    },
  };
}

/**
 * A document that hints at a container, run where no engine is found, runs on the host: said once
 * on stderr (each job says it again in the debug log). Only for the local executor: with
 * `--config` the jobs may run on other nodes, which have their own PATH.
 */
async function warnNoEngine(proc: Process, opts: RunOptions, log: RunLog): Promise<void> {
  const mode = opts.containerMode ?? 'auto';
  if (mode === 'off') return;
  // Anywhere in the document (a workflow's steps included); exact integers (bigint) are no matter here.
  if (opts.defaultContainer === undefined && !JSON.stringify(proc, (_k, v: unknown) => (typeof v === 'bigint' ? 0 : v)).includes('DockerRequirement')) return;
  // A tool that requires one fails with exit 33 and its own message instead.
  if ((proc.requirements ?? []).some((r) => r.class.endsWith('DockerRequirement'))) return;
  const { findEngine, programsLookedFor } = await import('../cwl/containers/index.js');
  if (findEngine(mode) !== undefined) return;
  log.warn(`no container engine found on PATH (looked for ${programsLookedFor(mode).join(', ')}): tools with a DockerRequirement hint run with this machine's programs; install one, or pass --no-container to say so`);
}

/**
 * `--cachedir DIR` as JobOptions (docs/cache.md): the folder made now, absolute (workers elsewhere
 * get the same path), and input files keyed by sha1 unless --no-compute-checksum.
 */
function jobCacheOptions(opts: RunOptions): { cache?: { dir: string; checksums: boolean } } {
  if (opts.cachedir === undefined) return {};
  const dir = path.resolve(opts.cachedir);
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CacheUnusableError(dir, code === 'ENOTDIR' || code === 'EEXIST' ? 'a file is in the way' : code === 'EACCES' ? 'not writable' : `${code ?? String(err)}`);
  }
  return { cache: { dir, checksums: opts.computeChecksum } };
}

/** --preserve-environment / --preserve-entire-environment: the variables with this process's values. */
function preservedEnvironment(opts: RunOptions): { environment?: Record<string, string> } {
  if (!opts.preserveEntireEnvironment && opts.preserveEnvironment.length === 0) return {};
  const names = opts.preserveEntireEnvironment ? Object.keys(process.env) : opts.preserveEnvironment;
  const environment: Record<string, string> = {};
  for (const name of names) {
    // The run command's own launcher variables are not the user's (bin/parsl-cwl, launch.cts).
    if (name.startsWith('PARSL_CWL_LAUNCH')) continue;
    const value = process.env[name];
    if (value !== undefined) environment[name] = value;
  }
  return { environment };
}

/** mkdtemp with a coded error: a prefix below a file or in a missing folder is the user's to fix. */
function makeRunDir(prefix: string): string {
  try {
    return mkdtempSync(prefix);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const reason = e.code === 'ENOENT' ? `${path.dirname(prefix)} does not exist` : e.code === 'ENOTDIR' ? 'a file is in the way' : `${e.code ?? e.message}`;
    throw new TmpdirUnusableError(prefix, reason);
  }
}

/** Did a workflow run make any job folder (runinfo/NNN/jobs/*)? Then its failure keeps them. */
function jobFoldersMade(runDir: string): boolean {
  try {
    return readdirSync(path.join(runDir, 'runinfo')).some((run) => {
      try {
        return readdirSync(path.join(runDir, 'runinfo', run, 'jobs')).length > 0;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/** Load DOC, from the document cache when nothing it was loaded from changed (not for --validate). */
async function loadDocument(ref: string, opts: RunOptions, log: RunLog): Promise<Process> {
  const useCache = opts.docCache && !opts.validate;
  const cache = useCache ? await import('./run/documentCache.js') : undefined;
  const hit = cache?.cachedProcess(ref);
  if (hit !== undefined) {
    log.debug(`${ref}: loaded from the document cache`);
    return hit;
  }
  const { loadProcess, LoadCache } = await import('../cwl/load/index.js');
  const loadCache = new LoadCache();
  const proc = await loadProcess(ref, { cache: loadCache });
  for (const w of loadCache.warnings) log.warn(w);
  // A document with checker warnings is not cached, so its warnings are shown on every run.
  if (cache && loadCache.warnings.length === 0) {
    const texts = new Map<string, string>();
    for (const [uri, text] of loadCache.texts) texts.set(uri, await text);
    cache.storeProcess(ref, proc, texts);
  }
  return proc;
}

