/**
 * The WorkflowServices of a real run: tool jobs go to the DataFlowKernel, ExpressionTools run
 * here on the submitting side, expressions use the CWL ExpressionEvaluator.
 */
import type { DataFlowKernel } from '../../dataflow/index.js';
import { loadInputContents, resolveInputSecondaryFiles } from '../commandLine/index.js';
import { listDirectory } from '../execution/loadListing.js';
import { ExpressionEvaluator } from '../expressions/index.js';
import type { JobResult, JobSpec } from '../jobSpec.js';
import { isDirectory, type CwlDirectory, type CwlType, type ExpressionTool, type LoadListing, type Requirement } from '../model.js';
import { runExpressionTool } from '../outputs/index.js';
import { prepareInputs } from '../inputs/index.js';
import { kernelToolJobSubmitter } from './kernelSubmitter.js';
import type { StepEvaluate, WorkflowServices } from './services.js';

export interface DefaultServicesOptions {
  /** Wall-clock limit of one JavaScript expression, in ms. */
  expressionTimeoutMs?: number;
  /** Heap limit of the JavaScript expression evaluator, in MB. */
  expressionMemoryMb?: number;
}

export function defaultWorkflowServices(dfk: DataFlowKernel, options: DefaultServicesOptions = {}): WorkflowServices {
  // ExpressionTool instances of one step share their requirement arrays (built once per step), so
  // this keeps one evaluator (one vm context) per step instead of one per instance.
  const limits = { timeoutMs: options.expressionTimeoutMs, memoryMb: options.expressionMemoryMb };
  const expressionToolEvaluators = new WeakMap<readonly Requirement[], ExpressionEvaluator>();
  const evaluatorFor = (job: JobSpec): ExpressionEvaluator => {
    let ev = expressionToolEvaluators.get(job.requirements);
    if (!ev) {
      ev = ExpressionEvaluator.fromRequirements(job.requirements, job.hints, limits);
      expressionToolEvaluators.set(job.requirements, ev);
    }
    return ev;
  };
  return {
    submitToolJob: kernelToolJobSubmitter(dfk),

    async runExpressionJob(job: JobSpec): Promise<JobResult> {
      const tool = job.tool as ExpressionTool;
      const runtime = { outdir: job.paths.jobDir, tmpdir: job.paths.jobDir, cores: 1, ram: 256, outdirSize: 1024, tmpdirSize: 1024 };
      const inputs = await relistDirectories(tool, job);
      const outputs = await runExpressionTool(tool, inputs, runtime, evaluatorFor(job), { jobName: job.name });
      return { outputs, exitCode: 0, outdir: job.paths.jobDir };
    },

    // Defaults, File/Directory normalisation, listings and type validation, as for a tool run.
    prepareInputs: (process, inputs, reqs) => prepareInputs(process, inputs, { requirements: reqs.requirements }),

    async prepareWorkflowInputs(wf, inputs, reqs) {
      const declaresFiles = wf.inputs.some((p) => p.secondaryFiles?.length || p.loadContents || p.inputBinding?.loadContents || hasRecordOrArray(p.type));
      if (!declaresFiles) return inputs;
      const ev = ExpressionEvaluator.fromRequirements(reqs.requirements, reqs.hints, limits);
      return loadInputContents(wf.inputs, await resolveInputSecondaryFiles(wf.inputs, inputs, ev));
    },

    createEvaluator(reqs): StepEvaluate {
      const ev = ExpressionEvaluator.fromRequirements(reqs.requirements, reqs.hints, limits);
      return (text, ctx, field) => ev.evaluate(text, { inputs: ctx.inputs, self: ctx.self, runtime: {} }, { field });
    },

    async loadContents(inputName, value) {
      const loaded = await loadInputContents([{ id: inputName, type: 'Any', loadContents: true }], { [inputName]: value });
      return loaded[inputName];
    },

    loadListing: (value, depth) => fillListing(value, depth),
  };
}

/**
 * Directory inputs of an ExpressionTool read their listing from disk now (the parameter's
 * `loadListing`, else LoadListingRequirement): an upstream step may have changed the folder after
 * the listing in the value was taken (InplaceUpdateRequirement; conformance modify_directory_content).
 */
async function relistDirectories(tool: ExpressionTool, job: JobSpec): Promise<Record<string, unknown>> {
  const req = [...job.requirements, ...job.hints].find((r) => r.class === 'LoadListingRequirement');
  const fallback = (req?.loadListing as LoadListing | undefined) ?? 'no_listing';
  let inputs = job.inputs;
  for (const p of tool.inputs) {
    const depth = p.loadListing ?? fallback;
    if (depth === 'no_listing' || !hasDirectory(inputs[p.id])) continue;
    if (inputs === job.inputs) inputs = { ...job.inputs };
    inputs[p.id] = await fillListing(stripListing(inputs[p.id]), depth);
  }
  return inputs;
}

function hasDirectory(v: unknown): boolean {
  return isDirectory(v) || (Array.isArray(v) && v.some(hasDirectory));
}

function stripListing(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripListing);
  if (!isDirectory(v)) return v;
  const { listing: _old, ...rest } = v;
  return rest;
}

/** Records and arrays may carry secondaryFiles schemas on their fields or items. */
function hasRecordOrArray(t: CwlType): boolean {
  if (Array.isArray(t)) return t.some(hasRecordOrArray);
  return typeof t === 'object' && (t.type === 'record' || t.type === 'array');
}

async function fillListing(value: unknown, depth: LoadListing): Promise<unknown> {
  if (Array.isArray(value)) return Promise.all(value.map((v) => fillListing(v, depth)));
  if (!isDirectory(value) || value.listing !== undefined || value.path === undefined) return value;
  const dir: CwlDirectory = { ...value, listing: await listDirectory(value.path, depth === 'deep_listing') };
  return dir;
}
