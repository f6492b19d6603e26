/**
 * What the workflow engine needs from the rest of parsl-cwl, in one small interface, so the engine
 * stays about workflow semantics and the wiring (kernel, executors, input binding, expressions)
 * lives in one place (defaultServices.ts).
 */
import type { JobResult, JobSpec } from '../jobSpec.js';
import type { LoadListing, Process, Workflow } from '../model.js';
import type { RequirementSet } from './requirements.js';

/** Evaluate a CWL expression, parameter reference or literal (`$(...)`, `${...}`, interpolation). */
export type StepEvaluate = (text: string, ctx: { inputs: Record<string, unknown>; self: unknown }, field: string) => unknown;

export interface WorkflowServices {
  /**
   * Run one CommandLineTool job: one DataFlowKernel task, a CWL job task (only tool jobs
   * go to executors; expressions and ExpressionTools run on the submitting side). Rejects with the tool's failure (ToolFailedError, ...).
   */
  submitToolJob(job: JobSpec, signal?: AbortSignal): Promise<JobResult>;
  /** Run an ExpressionTool job on the submitting side. */
  runExpressionJob(job: JobSpec): Promise<JobResult>;
  /** Bind a step's input object to its process: apply defaults, resolve and validate values. */
  prepareInputs(process: Process, inputs: Record<string, unknown>, requirements: RequirementSet): Promise<Record<string, unknown>>;
  /**
   * The workflow's own input parameters applied to its bound input object: `secondaryFiles`
   * discovered and checked, `loadContents` done (Workflow.yml, WorkflowInputParameter).
   */
  prepareWorkflowInputs(wf: Workflow, inputs: Record<string, unknown>, requirements: RequirementSet): Promise<Record<string, unknown>>;
  /** One evaluator per step (InlineJavascriptRequirement/expressionLib of the requirements in force). */
  createEvaluator(requirements: RequirementSet): StepEvaluate;
  /** `loadContents` on a step input: File or File[] values get `contents` (first 64 KiB). */
  loadContents(inputName: string, value: unknown): Promise<unknown>;
  /** `loadListing` on a step input: Directory values without a listing get one. */
  loadListing(value: unknown, depth: LoadListing): Promise<unknown>;
}
