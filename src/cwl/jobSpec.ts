/**
 * The job spec: one CWL tool invocation as plain data (docs/architecture.md, "The data path").
 *
 * The submitting side binds inputs and builds a JobSpec; it travels to an executor (in-process for
 * the local executor, over ZeroMQ for HTEX workers) and `executeJob` (src/cwl/execution) runs it
 * there: stage inputs, build and run the command, collect outputs where the files are. The same
 * function runs everywhere, so local and HTEX cannot drift apart. Everything here must survive
 * `JSON.stringify`/`JSON.parse`.
 */
import type { ContainerSettings } from './containers/settings.js';
import type { CommandLineTool, ExpressionTool, Requirement } from './model.js';

export interface JobSpec {
  /** The loaded tool (model.ts shape). Workflows never travel; only their tool steps do. */
  tool: CommandLineTool | ExpressionTool;
  /**
   * The input object after defaults were applied and values validated: File/Directory values carry
   * absolute `location` (file:// URI) and `path`; secondaryFiles resolved.
   */
  inputs: Record<string, unknown>;
  /** Requirements in force after workflow → step → tool inheritance (spec override rules applied). */
  requirements: Requirement[];
  /** Hints in force after inheritance. */
  hints: Requirement[];
  /** Where to work. `jobDir` is created if missing; outdir/tmpdir are made inside it unless given. */
  paths: JobPaths;
  /** A name for logs and errors: the tool id, or `workflow#step[scatterIndex]`. */
  name: string;
  /** Workflow step jobs: the step's path (`step`, `sub/inner`) and scatter index, for the run record. */
  step?: string;
  scatterIndex?: number[];
  options?: JobOptions;
}

export interface JobPaths {
  /** A fresh folder for this job (under runinfo/NNN/jobs/ or --tmpdir-prefix). */
  jobDir: string;
  /**
   * `runtime.outdir`; default `<jobDir>/out`. When it is `jobDir` itself, the job's other files go
   * beside it: `<jobDir>+tmp`, `<jobDir>+stg/`, `<jobDir>+tool.stdout.log`, `<jobDir>+tool.stderr.log`
   * (one folder made per job; the caller keeps those names free, as workflow steps do).
   */
  outdir?: string;
  /** `runtime.tmpdir`; default `<jobDir>/tmp` (`<jobDir>+tmp` when outdir is jobDir). */
  tmpdir?: string;
}

export interface JobOptions {
  /** Wall-clock limit for one JavaScript expression, in ms (default 10,000). */
  expressionTimeoutMs?: number;
  /** Heap limit of the JavaScript expression evaluator, in MB (default 512). */
  expressionMemoryMb?: number;
  /** Compute sha1 checksums of output files (default true, as cwltool does). */
  computeChecksum?: boolean;
  /** Keep the job's tmpdir after it finished (debugging). */
  keepTmp?: boolean;
  /**
   * Containers (DockerRequirement, `--default-container`); absent means `{mode: 'auto'}`: the
   * engine found on PATH of the node that runs the job (docs/containers.md).
   */
  container?: ContainerSettings;
  /**
   * The job cache (`--cachedir`, docs/cache.md): a CommandLineTool job whose key is stored there
   * reuses the stored outputs instead of running; a job that succeeds is stored. Absent: no cache.
   */
  cache?: JobCacheOptions;
  /**
   * Variables of the runner's environment given to the tool (`--preserve-environment`,
   * `--preserve-entire-environment`), with the values the runner saw: carried here so that a job
   * on an HTEX worker or in a Slurm block gets them too. HOME, TMPDIR and EnvVarRequirement win.
   */
  environment?: Record<string, string>;
}

export interface JobCacheOptions {
  /** The cache folder (absolute; on the filesystem the workers share). */
  dir: string;
  /**
   * Key input files by their sha1 (default true); false: by size, mtime and inode, which costs no
   * read of the data but misses a change that keeps all three (docs/cache.md).
   */
  checksums?: boolean;
}

export interface JobResult {
  /** The output object, Files/Directories located in the job's outdir (file:// locations). */
  outputs: Record<string, unknown>;
  /** Exit code of the tool's command (0 for ExpressionTools). */
  exitCode: number;
  /** The job's outdir, where the outputs live until they are relocated. */
  outdir: string;
  /** True when the outputs came from the job cache and the command did not run. */
  reused?: boolean;
}
