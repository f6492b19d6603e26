/**
 * The job spec: one CWL tool invocation as plain data (docs/architecture.md, "The data path").
 *
 * The submitting side binds inputs and builds a JobSpec; it travels to an executor (in-process for
 * the local executor, over ZeroMQ for HTEX workers) and `executeJob` (src/cwl/execution) runs it
 * there: stage inputs, build and run the command, collect outputs where the files are. The same
 * function runs everywhere, so local and HTEX cannot drift apart. Everything here must survive
 * `JSON.stringify`/`JSON.parse`.
 */
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
}

export interface JobResult {
  /** The output object, Files/Directories located in the job's outdir (file:// locations). */
  outputs: Record<string, unknown>;
  /** Exit code of the tool's command (0 for ExpressionTools). */
  exitCode: number;
  /** The job's outdir, where the outputs live until they are relocated. */
  outdir: string;
}
