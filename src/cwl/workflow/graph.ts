/**
 * The workflow's data links as a graph: which step feeds which, checked before anything runs.
 * Workflow.yml, Workflow: "Dependencies between parameters are expressed using the `source` field on
 * workflow step input parameters and `outputSource` on workflow output parameters".
 */
import type { Workflow, WorkflowStep, Process } from '../model.js';
import { UnsupportedRequirementError, WorkflowInvalidError } from '../errors.js';

/** A parsed `source`/`outputSource` reference. */
export type LinkSource = { kind: 'input'; name: string } | { kind: 'step'; step: string; output: string };

export interface WorkflowGraph {
  steps: Map<string, WorkflowStep>;
  /** For each step, the steps it waits for. */
  upstream: Map<string, Set<string>>;
  /** Parsed sources of each step input, keyed `step\0input`. */
  sources: Map<string, LinkSource[]>;
  /** Parsed outputSource of each workflow output. */
  outputSources: Map<string, LinkSource[]>;
}

export function asList(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

/** Split `step/output` or `input` (ids are short names, see model.ts). */
export function parseSource(ref: string, wf: Workflow, stepIds: Set<string>): LinkSource | undefined {
  const ref2 = ref.startsWith('#') ? ref.slice(1) : ref;
  if (wf.inputs.some((i) => i.id === ref2)) return { kind: 'input', name: ref2 };
  const slash = ref2.lastIndexOf('/');
  if (slash > 0) {
    const step = ref2.slice(0, slash);
    if (stepIds.has(step)) return { kind: 'step', step, output: ref2.slice(slash + 1) };
  }
  return undefined;
}

export interface BuildGraphOptions {
  /** The file named in errors (default: the workflow's id). */
  file?: string;
  /** Accept steps that run an abstract Operation (loading and --validate do; running does not). */
  allowOperations?: boolean;
}

/** Build and check the graph: unknown sources, unknown scatter inputs, cycles, Operation steps. */
export function buildGraph(wf: Workflow, options: BuildGraphOptions = {}): WorkflowGraph {
  const file = options.file ?? wf.id;
  const steps = new Map<string, WorkflowStep>();
  for (const s of wf.steps) {
    if (steps.has(s.id)) throw new WorkflowInvalidError({ file, field: `steps.${s.id}` }, `two steps are named '${s.id}'; step ids must be unique`);
    steps.set(s.id, s);
  }
  const stepIds = new Set(steps.keys());
  const upstream = new Map<string, Set<string>>();
  const sources = new Map<string, LinkSource[]>();

  const resolve = (ref: string, field: string): LinkSource => {
    const src = parseSource(ref, wf, stepIds);
    if (!src) {
      throw new WorkflowInvalidError(
        { file, field },
        `source '${ref}' is neither a workflow input (${wf.inputs.map((i) => i.id).join(', ') || 'none'}) nor a step output 'step/output'`,
      );
    }
    if (src.kind === 'step' && !steps.get(src.step)!.out.includes(src.output)) {
      throw new WorkflowInvalidError({ file, field }, `step '${src.step}' has no output '${src.output}' in its 'out' list (${steps.get(src.step)!.out.join(', ')})`);
    }
    return src;
  };

  for (const step of wf.steps) {
    const deps = new Set<string>();
    const inIds = new Set<string>();
    for (const inp of step.in) {
      inIds.add(inp.id);
      const parsed = asList(inp.source).map((ref) => resolve(ref, `steps.${step.id}.in.${inp.id}.source`));
      for (const p of parsed) if (p.kind === 'step') deps.add(p.step);
      sources.set(`${step.id}\0${inp.id}`, parsed);
    }
    for (const name of step.scatter ?? []) {
      if (!inIds.has(name)) {
        throw new WorkflowInvalidError({ file, field: `steps.${step.id}.scatter` }, `scatter names '${name}', which is not an input of the step (${[...inIds].join(', ')})`);
      }
    }
    if (!options.allowOperations) checkRunnable(step.run, `steps.${step.id}.run`, file);
    upstream.set(step.id, deps);
  }

  const outputSources = new Map<string, LinkSource[]>();
  for (const out of wf.outputs) {
    outputSources.set(out.id, asList(out.outputSource).map((ref) => resolve(ref, `outputs.${out.id}.outputSource`)));
  }
  checkAcyclic(file, upstream);
  return { steps, upstream, sources, outputSources };
}

// Operation.yml: an Operation is abstract and cannot be executed; runners report it as unsupported.
function checkRunnable(p: Process, field: string, file: string): void {
  if (p.class === 'Operation') {
    throw new UnsupportedRequirementError('Operation', `${file}, field '${field}': '${p.id}' is an abstract Operation and cannot be run; replace it with a CommandLineTool, ExpressionTool or Workflow`);
  }
}

function checkAcyclic(file: string, upstream: Map<string, Set<string>>): void {
  const state = new Map<string, 1 | 2>(); // 1 visiting, 2 done
  const visit = (id: string, path: string[]): void => {
    const s = state.get(id);
    if (s === 2) return;
    if (s === 1) {
      throw new WorkflowInvalidError({ file, field: `steps.${id}` }, `the steps form a cycle: ${[...path.slice(path.indexOf(id)), id].join(' -> ')}`);
    }
    state.set(id, 1);
    for (const dep of upstream.get(id) ?? []) visit(dep, [...path, id]);
    state.set(id, 2);
  };
  for (const id of upstream.keys()) visit(id, []);
}
