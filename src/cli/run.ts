/**
 * `parsl-cwl [options] DOC[#id] [JOB] [--input value ...]`: run a CWL document (cwltool-compatible).
 *
 * load → bind inputs (job file, then command-line inputs) → run (runProcess) → move final outputs
 * into --outdir → print the output object as JSON on stdout. Logs and errors go to stderr only.
 * Heavy modules (loader, execution) are imported when needed: --help/--version stay instant and a
 * small tool's run is mostly start-up time.
 */
import { stringifyJson } from '../exactJson.js';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ErrorCode, ParslCwlError } from '../errors.js';
import { removeTreeSync } from '../removeTree.js';
import type { Process } from '../cwl/model.js';
import { ExitCode, exitCodeFor } from './exitCodes.js';
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
  const log = new RunLog(opts.quiet, opts.debug);
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
    return await run(opts, log, interrupt.signal);
  } catch (err) {
    // The process exits as soon as this returns (settle.ts), which would SIGKILL the groups of
    // commands still running: a cancelled tool first gets its SIGTERM grace period.
    await (await import('../process/index.js')).processesIdle();
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

async function run(opts: RunOptions, log: RunLog, signal: AbortSignal): Promise<number> {
  if (opts.document === undefined) {
    throw new ParslCwlError(ErrorCode.UsageError, 'no CWL document given; usage: parsl-cwl [options] DOC[#id] [JOB] [--input value ...]');
  }
  const started = Date.now();
  const proc = await loadDocument(opts.document, opts, log);
  if (opts.validate) {
    process.stdout.write(`${opts.document} is valid CWL.\n`);
    return ExitCode.Success;
  }
  const { bindJobInputs } = await import('./run/bindInputs.js');
  const job = await bindJobInputs(proc, opts, log);

  const prefix = opts.tmpdirPrefix ?? path.join(os.tmpdir(), 'parsl-cwl-');
  // Synchronous file work here and in the run path: a one-tool run that never uses libuv's thread
  // pool does not start its four threads (measured: ~5 % of a small run on this VM).
  const runDir = mkdtempSync(prefix);
  const keep = opts.debug || opts.leaveTmp;
  const progress = new ProgressLine(path.basename(opts.document)).start();
  let succeeded = false;
  try {
    const { runProcess } = await import('./run/runProcess.js');
    const outputs = await runProcess(proc, job.inputs, {
      runDir,
      extraRequirements: job.requirements,
      jobOptions: {
        computeChecksum: opts.computeChecksum,
        keepTmp: keep,
        ...(opts.evalTimeoutSec !== undefined ? { expressionTimeoutMs: opts.evalTimeoutSec * 1000 } : {}),
      },
      log,
      signal,
      serial: opts.serial,
      configFile: opts.config,
      progressDetail: (describe) => progress.setDetail(describe),
    });
    const { OutputRelocator } = await import('../cwl/relocate.js');
    const final = await new OutputRelocator(path.resolve(opts.outdir), { movableRoots: [runDir] }).relocate(outputs);
    progress.stop();
    // Exact: integers outside Number's safe range print as their digits (src/exactJson.ts).
    process.stdout.write(`${stringifyJson(final, 4)}\n`);
    succeeded = true;
    log.info(`${path.basename(opts.document)}: success in ${((Date.now() - started) / 1000).toFixed(2)} s`);
    return ExitCode.Success;
  } finally {
    progress.stop();
    // Issue 5: when a workflow fails, the outputs of its finished steps stay (runProcess says where).
    const keepFailedWorkflow = !succeeded && proc.class === 'Workflow';
    if (keep) log.info(`job folders kept in ${runDir}`);
    else if (!keepFailedWorkflow) removeTreeSync(runDir);
    if (!succeeded) log.debug(`run failed after ${((Date.now() - started) / 1000).toFixed(2)} s`);
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
  if (cache) {
    const texts = new Map<string, string>();
    for (const [uri, text] of loadCache.texts) texts.set(uri, await text);
    cache.storeProcess(ref, proc, texts);
  }
  return proc;
}

function packageVersion(): string {
  // dist/src/cli/run.js → the package root is three folders up.
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}
