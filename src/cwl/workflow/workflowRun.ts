/**
 * The workflow engine: runs a Workflow on the submitting side (docs/architecture.md), turning each step
 * instance into one tool job as soon as its inputs are ready. Workflow.yml, Workflow and WorkflowStep.
 *
 * Every step is an async task awaiting the steps its sources name, so independent steps and scatter
 * instances run concurrently and the executor's capacity is the only limit on parallelism. Per step,
 * the requirement set, the expression evaluator and the job-spec template are built once; a scatter
 * instance costs a shallow copy of the input object and one JobSpec object sharing the tool.
 */
import { stringifyJson, ParslCwlError } from '../../util/index.js';
import type { Process, Workflow, WorkflowStep, WorkflowStepInput } from '../model.js';
import { valueMatchesType } from '../commandLine/index.js';
import { typeText } from '../outputs/index.js';
import type { JobOptions, JobResult, JobSpec } from '../jobSpec.js';
import { ConditionNotBooleanError, UnsupportedRequirementError, WorkflowInvalidError, WorkflowStepFailedError } from '../errors.js';
import { buildGraph, type LinkSource, type WorkflowGraph } from './graph.js';
import { mergeLinks } from './linkMerge.js';
import { pickValue } from './pickValue.js';
import { planScatter } from './scatter.js';
import { EMPTY_REQUIREMENTS, inheritRequirements, type RequirementSet } from './requirements.js';
import type { StepEvaluate, WorkflowServices } from './services.js';
import { WorkflowProgress } from './progress.js';
import { checkStepSecondaryFiles, declaresSecondaryFiles } from './stepSecondaryFiles.js';

export interface WorkflowRunOptions {
  services: WorkflowServices;
  /** Folder for the job directories of this run (runinfo/NNN/jobs or a --tmpdir-prefix folder). */
  jobsDir: string;
  /** Run one tool job at a time (debugging); the default runs every ready instance at once. */
  serial?: boolean;
  /**
   * Stops the run: no new step instance starts. In-flight tool jobs are the kernel's to cancel
   * (one listener on the kernel, not one per task: a 20,000-way scatter would add 20,000).
   */
  signal?: AbortSignal;
  progress?: WorkflowProgress;
  jobOptions?: JobOptions;
  /** Requirements and hints inherited from an enclosing workflow and step. */
  inherited?: RequirementSet;
}

/** Run `wf` on an input object that was already bound (defaults applied, validated). */
export async function runWorkflow(wf: Workflow, inputs: Record<string, unknown>, opts: WorkflowRunOptions): Promise<Record<string, unknown>> {
  const shared: SharedRunState = {
    services: opts.services,
    jobsDir: opts.jobsDir,
    limiter: opts.serial ? new SerialLimiter() : undefined,
    signal: opts.signal,
    progress: opts.progress ?? new WorkflowProgress(),
    jobOptions: opts.jobOptions,
    failure: undefined,
  };
  const run = new WorkflowRun(wf, inputs, opts.inherited ?? EMPTY_REQUIREMENTS, '', shared);
  return run.execute();
}

/** State shared by a workflow run and all its subworkflow runs. */
interface SharedRunState {
  services: WorkflowServices;
  jobsDir: string;
  limiter: SerialLimiter | undefined;
  signal: AbortSignal | undefined;
  progress: WorkflowProgress;
  jobOptions: JobOptions | undefined;
  /** The first step failure; once set, no new step instance starts. */
  failure: WorkflowStepFailedError | undefined;
}

/** Rejection of a step that did not run because something it depends on failed. */
class NotRun extends Error {}

/** Everything about a step that is the same for all its instances, built once. */
interface StepPlan {
  step: WorkflowStep;
  /** `parent/step` for nested workflows, used in errors and job names. */
  path: string;
  stepReqs: RequirementSet;
  processReqs: RequirementSet;
  evaluate: StepEvaluate | undefined;
  valueFroms: WorkflowStepInput[];
  /** The process's declared input names: only these are passed to it. */
  declared: Set<string>;
  /** The tool declares secondaryFiles on its inputs: check that the values carry them. */
  checkSecondaryFiles: boolean;
  /**
   * Settles when the step's first input binding did: the first one builds the per-process caches
   * (the compiled input validator), so 20,000 scatter instances do not all build them at once.
   */
  firstBinding?: Promise<void>;
}

class WorkflowRun {
  private readonly graph: WorkflowGraph;
  private readonly reqs: RequirementSet;
  private readonly stepResults = new Map<string, Promise<Record<string, unknown>>>();

  constructor(
    private readonly wf: Workflow,
    private inputs: Record<string, unknown>,
    inherited: RequirementSet,
    /** Prefix of step paths: '' at the top, 'outer/' or 'outer[3]/' inside subworkflows. */
    private readonly prefix: string,
    private readonly shared: SharedRunState,
  ) {
    this.graph = buildGraph(wf);
    this.reqs = inheritRequirements(inherited, wf);
  }

  async execute(): Promise<Record<string, unknown>> {
    this.inputs = await this.shared.services.prepareWorkflowInputs(this.wf, this.inputs, this.reqs);
    this.shared.progress.stepWaiting(this.graph.steps.size);
    const all = [...this.graph.steps.keys()].map((id) => this.stepResult(id));
    const settled = await Promise.allSettled(all);
    // The first failure in time is the one to report; the others are its consequences.
    if (this.shared.failure) throw this.shared.failure;
    for (const s of settled) {
      if (s.status === 'rejected' && !(s.reason instanceof NotRun)) throw s.reason;
    }
    if (this.shared.signal?.aborted) throw this.shared.signal.reason;
    return this.collectOutputs();
  }

  /** The promise of a step's output object, started on first use (the graph is acyclic). */
  private stepResult(id: string): Promise<Record<string, unknown>> {
    let p = this.stepResults.get(id);
    if (!p) {
      p = this.runStep(this.graph.steps.get(id)!);
      this.stepResults.set(id, p);
    }
    return p;
  }

  private async sourceValue(src: LinkSource): Promise<unknown> {
    if (src.kind === 'input') return this.inputs[src.name] ?? null;
    let outputs: Record<string, unknown>;
    try {
      outputs = await this.stepResult(src.step);
    } catch {
      throw new NotRun(src.step);
    }
    return outputs[src.output] ?? null;
  }

  private async runStep(step: WorkflowStep): Promise<Record<string, unknown>> {
    let waiting = true;
    const plan = this.planStep(step);
    try {
      let gathered: Record<string, unknown>;
      try {
        gathered = await this.gatherInputs(step);
      } catch (err) {
        // pickValue, loadContents...: the step's own input failed (not an upstream step).
        throw err instanceof NotRun ? err : this.fail(plan, [], err);
      }
      this.shared.progress.stepWaiting(-1);
      waiting = false;
      this.checkStillRunning();
      if (step.scatter && step.scatter.length > 0) {
        let scatterPlan;
        try {
          scatterPlan = planScatter(plan.path, gathered, step.scatter, step.scatterMethod);
        } catch (err) {
          throw this.fail(plan, [], err);
        }
        const results = await settleAll(scatterPlan.instances.map((inst) => this.runInstance(plan, inst.inputs, inst.index)));
        const outputs: Record<string, unknown> = {};
        for (const o of step.out) outputs[o] = scatterPlan.gather(results.map((r) => (r === null ? null : (r[o] ?? null))));
        return outputs;
      }
      const result = await this.runInstance(plan, gathered, []);
      const outputs: Record<string, unknown> = {};
      for (const o of step.out) outputs[o] = result === null ? null : (result[o] ?? null);
      return outputs;
    } finally {
      if (waiting) this.shared.progress.stepWaiting(-1);
    }
  }

  private checkStillRunning(): void {
    if (this.shared.failure) throw new NotRun('an earlier step failed');
    if (this.shared.signal?.aborted) throw new NotRun('cancelled');
  }

  private planStep(step: WorkflowStep): StepPlan {
    const stepReqs = inheritRequirements(this.reqs, step);
    const processReqs = inheritRequirements(stepReqs, step.run);
    const valueFroms = step.in.filter((i) => i.valueFrom !== undefined);
    const needsEval = valueFroms.length > 0 || step.when !== undefined;
    return {
      step,
      path: `${this.prefix}${step.id}`,
      stepReqs,
      processReqs,
      evaluate: needsEval ? this.shared.services.createEvaluator(stepReqs) : undefined,
      valueFroms,
      declared: new Set(step.run.inputs.map((i) => i.id)),
      checkSecondaryFiles: step.run.class === 'CommandLineTool' && declaresSecondaryFiles(step.run.inputs),
    };
  }

  /**
   * The step input object before scatter: sources merged (linkMerge), picked (pickValue), then
   * `default` when the result is null, then loadContents/loadListing. Workflow.yml, WorkflowStepInput.
   */
  private async gatherInputs(step: WorkflowStep): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    await Promise.all(
      step.in.map(async (inp) => {
        const links = this.graph.sources.get(`${step.id}\0${inp.id}`) ?? [];
        let value: unknown = null;
        if (links.length > 0) {
          const values = await Promise.all(links.map((l) => this.sourceValue(l)));
          value = mergeLinks(values, { multiple: links.length > 1, linkMerge: inp.linkMerge });
          if (inp.pickValue) value = pickValue(value, inp.pickValue, `step '${this.prefix}${step.id}' input '${inp.id}'`);
        }
        if ((value === null || value === undefined) && inp.default !== undefined) value = inp.default;
        if (inp.loadContents) value = await this.shared.services.loadContents(inp.id, value);
        if (inp.loadListing && inp.loadListing !== 'no_listing') value = await this.shared.services.loadListing(value, inp.loadListing);
        out[inp.id] = value ?? null;
      }),
    );
    return out;
  }

  /**
   * One step instance: valueFrom, then `when`, then the process. Returns its output object, or null
   * when `when` was false (Workflow.yml, "Conditional execution": a skipped step produces null).
   */
  private async runInstance(plan: StepPlan, inputs: Record<string, unknown>, index: number[]): Promise<Record<string, unknown> | null> {
    this.checkStillRunning();
    try {
      let bound = inputs;
      if (plan.valueFroms.length > 0) {
        // valueFrom sees the inputs after default and scatter, never another input's valueFrom result.
        bound = { ...inputs };
        for (const vf of plan.valueFroms) {
          bound[vf.id] = await plan.evaluate!(vf.valueFrom!, { inputs, self: inputs[vf.id] ?? null }, `steps.${plan.step.id}.in.${vf.id}.valueFrom`);
        }
      }
      if (plan.step.when !== undefined) {
        const cond = await plan.evaluate!(plan.step.when, { inputs: bound, self: null }, `steps.${plan.step.id}.when`);
        if (typeof cond !== 'boolean') throw new ConditionNotBooleanError(plan.path, cond);
        if (!cond) {
          this.shared.progress.instanceSkipped();
          return null;
        }
      }
      const processInputs: Record<string, unknown> = {};
      for (const key of Object.keys(bound)) if (plan.declared.has(key)) processInputs[key] = bound[key];
      return await this.runProcess(plan, processInputs, index);
    } catch (err) {
      if (err instanceof NotRun || err instanceof WorkflowStepFailedError) throw err;
      throw this.fail(plan, index, err);
    }
  }

  private async runProcess(plan: StepPlan, inputs: Record<string, unknown>, index: number[]): Promise<Record<string, unknown>> {
    const proc: Process = plan.step.run;
    const services = this.shared.services;
    const suffix = index.length > 0 ? `[${index.join(',')}]` : '';
    if (proc.class === 'Operation') {
      throw new UnsupportedRequirementError('Operation', `step '${plan.path}' runs an abstract Operation, which cannot be executed`);
    }
    let prepared: Record<string, unknown>;
    if (plan.firstBinding === undefined) {
      const first = services.prepareInputs(proc, inputs, plan.processReqs);
      plan.firstBinding = first.then(
        () => undefined,
        () => undefined,
      );
      prepared = await first;
    } else {
      await plan.firstBinding;
      prepared = await services.prepareInputs(proc, inputs, plan.processReqs);
    }
    if (plan.checkSecondaryFiles) checkStepSecondaryFiles(proc.inputs, prepared);
    if (proc.class === 'Workflow') {
      const inner = new WorkflowRun(proc, prepared, plan.stepReqs, `${plan.path}${suffix}/`, this.shared);
      return inner.execute();
    }
    const jobDir = `${this.shared.jobsDir}/${jobDirName(plan.path, index)}`;
    const job: JobSpec = {
      tool: proc,
      inputs: prepared,
      requirements: plan.processReqs.requirements,
      hints: plan.processReqs.hints,
      // The job folder is the step's output folder; its tmpdir and logs go beside it (JobPaths).
      paths: { jobDir, outdir: jobDir },
      name: `${plan.path}${suffix}`,
      step: plan.path,
    };
    if (index.length > 0) job.scatterIndex = index;
    if (this.shared.jobOptions) job.options = this.shared.jobOptions;
    this.checkStillRunning();
    const progress = this.shared.progress;
    progress.instanceStarted();
    let result: JobResult;
    try {
      result =
        proc.class === 'ExpressionTool'
          ? await services.runExpressionJob(job)
          : await this.limited(() => services.submitToolJob(job));
    } catch (err) {
      progress.instanceFinished('failed');
      throw err;
    }
    progress.instanceFinished('done');
    return result.outputs;
  }

  private limited<T>(fn: () => Promise<T>): Promise<T> {
    return this.shared.limiter ? this.shared.limiter.run(fn) : fn();
  }

  /** Record the run's first failure (so nothing new starts) and name the step and scatter index. */
  private fail(plan: StepPlan, index: number[], err: unknown): WorkflowStepFailedError {
    const reason = err instanceof ParslCwlError ? err.message : err instanceof Error ? err.message : String(err);
    const wrapped = new WorkflowStepFailedError(plan.path, reason, { cause: err, scatterIndex: index });
    if (!this.shared.failure) this.shared.failure = wrapped;
    return wrapped;
  }

  /** Workflow.yml, WorkflowOutputParameter: outputSource, linkMerge, pickValue; required outputs must be set. */
  private async collectOutputs(): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const param of this.wf.outputs) {
      const links = this.graph.outputSources.get(param.id) ?? [];
      const values = await Promise.all(links.map((l) => this.sourceValue(l)));
      let value = links.length > 0 ? mergeLinks(values, { multiple: links.length > 1, linkMerge: param.linkMerge }) : null;
      if (param.pickValue) value = pickValue(value, param.pickValue, `workflow output '${param.id}'`);
      value ??= null;
      // Workflow.yml, WorkflowOutputParameter `type`: the gathered value must have the declared type.
      if (!valueMatchesType(param.type, value)) {
        const from = links.length ? ` (from ${[...new Set(links.map(describe))].join(', ')})` : '';
        const reason =
          value === null
            ? `required output '${param.id}' is null${from}; declare it optional ('${typeText(param.type)}?') or use pickValue`
            : `output '${param.id}' should be ${typeText(param.type)} but is ${stringifyJson(value)?.slice(0, 200)}${from}`;
        throw new WorkflowInvalidError({ file: this.wf.id, field: `outputs.${param.id}` }, reason);
      }
      out[param.id] = value ?? null;
    }
    return out;
  }
}

function describe(l: LinkSource): string {
  return l.kind === 'input' ? `input '${l.name}'` : `step '${l.step}' output '${l.output}'`;
}

/**
 * `step`, `step_3`, `sub_2.inner_0_1`: unique per instance, readable in the run folder. `+` (and
 * `%`) in step names are written `%2B` (`%25`): `<name>+tmp` and the like beside a job folder are
 * the job's own (JobPaths), never another step's folder.
 */
function jobDirName(path: string, index: number[]): string {
  const base = path
    .replace(/[%+]/g, (c) => (c === '%' ? '%25' : '%2B'))
    .replace(/\[(\d+(?:,\d+)*)\]/g, (_m, i: string) => `_${i.replace(/,/g, '_')}`)
    .replace(/\//g, '.');
  return index.length > 0 ? `${base}_${index.join('_')}` : base;
}

/** Wait for every promise; then reject with the first failure (so in-flight jobs are not orphaned). */
async function settleAll<T>(promises: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const values: T[] = new Array<T>(settled.length);
  let firstReal: unknown;
  let firstAny: unknown;
  let failed = false;
  settled.forEach((s, i) => {
    if (s.status === 'fulfilled') values[i] = s.value;
    else {
      if (!failed) firstAny = s.reason;
      failed = true;
      if (firstReal === undefined && !(s.reason instanceof NotRun)) firstReal = s.reason;
    }
  });
  if (failed) throw firstReal ?? firstAny;
  return values;
}

/** `--serial`: one tool job at a time, in submission order. */
class SerialLimiter {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
