/**
 * The workflow's static checker: every data link's types, checked when the document is loaded, so
 * a File wired into an `int` is reported before any step runs (cwltool's checker does the same).
 *
 * A link is an error only when no non-null type the source can have fits the sink: the runtime
 * checks every value anyway, so a doubtful case (an optional source into a required input, a
 * `float` into an `int`, a string into an enum) is left to it, and a case that may fit is a
 * warning at most. What the engine does to a value on its way (workflowRun.ts gatherInputs) is
 * applied to the source's type in the same order: linkMerge, pickValue, the step input's
 * `default`, scatter; a `valueFrom` makes the link unchecked (the expression decides the value).
 * Step outputs are as the run process declares them, optional when the step has `when`, and one
 * array level more per scatter level.
 */
import type { CwlType, InputParameter, LinkMerge, PickValue, Process, Workflow, WorkflowStep } from '../model.js';
import { WorkflowInvalidError } from '../errors.js';
import { buildGraph, type LinkSource, type WorkflowGraph } from './graph.js';

type Verdict = 'ok' | 'warn' | 'error';

/** One finding of the checker: `field` is a path in the workflow document (`steps.s.in.x.source`). */
export interface WorkflowIssue {
  field: string;
  message: string;
}

export interface WorkflowCheckResult {
  /** Links whose types may not fit (the run checks their values); nothing that stops the run. */
  warnings: WorkflowIssue[];
}

/**
 * Check `wf`'s graph (unknown sources and ports, cycles) and the types of its links. Throws a
 * WorkflowInvalidError (naming `file` and the field) for the first error; returns the warnings.
 * Subworkflows are checked when they are loaded, not from here.
 */
export function checkWorkflow(wf: Workflow, file: string = wf.id): WorkflowCheckResult {
  const graph = buildGraph(wf, { file, allowOperations: true });
  const warnings: WorkflowIssue[] = [];
  const report = (verdict: Verdict, field: string, message: string): void => {
    if (verdict === 'error') throw new WorkflowInvalidError({ file, field }, message);
    if (verdict === 'warn') warnings.push({ field, message });
  };

  for (const step of wf.steps) {
    const outs = new Set(step.run.outputs.map((o) => o.id));
    for (const name of step.out) {
      if (!outs.has(name)) {
        report('error', `steps.${step.id}.out`, `step '${step.id}' lists output '${name}', which its process does not declare (${[...outs].join(', ') || 'no outputs'})`);
      }
    }
    const declared = new Map(step.run.inputs.map((i) => [i.id, i]));
    for (const inp of step.in) {
      const field = `steps.${step.id}.in.${inp.id}`;
      const param = declared.get(inp.id);
      // Workflow.yml, WorkflowStepInput: an input the process does not declare is still seen by
      // valueFrom and `when`; it is not passed on, so it has nothing to fit.
      if (param === undefined) continue;
      const links = graph.sources.get(`${step.id}\0${inp.id}`) ?? [];
      if (inp.valueFrom !== undefined) continue;
      if (links.length === 0) {
        if (inp.default === undefined && !acceptsNull(sinkType(param))) {
          report('error', field, `required input '${inp.id}' of step '${step.id}' has no source, default or valueFrom; connect it ('source: <input or step/output>') or give it a default`);
        }
        continue;
      }
      let type = linkedType(wf, graph, links, inp.linkMerge, inp.pickValue);
      if (inp.default !== undefined) type = withoutNull(type) ?? 'Any';
      const scattered = step.scatter?.includes(inp.id) ?? false;
      if (scattered) {
        const items = scatterItems(type);
        if (items === undefined) {
          report('error', `${field}.source`, `step '${step.id}' scatters over '${inp.id}', but its ${describeLinks(links)} is ${typeText(type)}, not an array`);
          continue;
        }
        type = items;
      }
      const want = sinkType(param);
      const verdict = assign(type, want);
      if (verdict !== 'ok') {
        const what = verdict === 'error' ? 'cannot be' : 'may not fit';
        report(
          verdict,
          `${field}.source`,
          `${describeLinks(links)} gives ${typeText(type)}${scattered ? ' (each scattered item)' : ''}, which ${what} input '${inp.id}' of type ${typeText(want)} of step '${step.id}'; fix the source or the input's type`,
        );
      }
    }
  }

  for (const out of wf.outputs) {
    const links = graph.outputSources.get(out.id) ?? [];
    if (links.length === 0) continue;
    const type = linkedType(wf, graph, links, out.linkMerge, out.pickValue);
    const verdict = assign(type, out.type);
    if (verdict !== 'ok') {
      report(
        verdict,
        `outputs.${out.id}.outputSource`,
        `${describeLinks(links)} gives ${typeText(type)}, which ${verdict === 'error' ? 'cannot be' : 'may not fit'} workflow output '${out.id}' of type ${typeText(out.type)}; fix the outputSource or the output's type`,
      );
    }
  }
  return { warnings };
}

/** The type a step input's process sees: a default there makes null acceptable. */
function sinkType(param: InputParameter): CwlType {
  return param.default !== undefined ? union(['null', param.type]) : param.type;
}

/** The type a sink receives from its links (linkMerge.ts mergeLinks, then pickValue.ts). */
function linkedType(wf: Workflow, graph: WorkflowGraph, links: LinkSource[], linkMerge: LinkMerge | undefined, pick: PickValue | undefined): CwlType {
  const types = links.map((l) => sourceType(wf, graph, l));
  const merged = links.length > 1 || linkMerge !== undefined;
  let type: CwlType;
  if (!merged) type = types[0] ?? 'Any';
  else if ((linkMerge ?? 'merge_nested') === 'merge_nested') type = { type: 'array', items: union(types) };
  else type = { type: 'array', items: union(types.flatMap((t) => members(t).map((m) => (isArray(m) ? m.items : m)))) };
  if (pick === undefined) return type;
  // pickValue works on the first level: the merged array, or a single source's own array (or the
  // value itself when it is not one); a source that may be either leaves the result unknown.
  let items: CwlType;
  if (merged) items = (type as { items: CwlType }).items;
  else {
    const ms = members(type).filter((m) => m !== 'null');
    if (ms.includes('Any')) return 'Any';
    if (ms.length > 0 && ms.every(isArray)) items = union(ms.map((m) => (m as { items: CwlType }).items));
    else if (ms.some(isArray)) return 'Any';
    else items = type;
  }
  const picked = withoutNull(items) ?? 'Any';
  return pick === 'all_non_null' ? { type: 'array', items: picked } : picked;
}

/** A workflow input's type, or a step output's: scatter adds array levels, `when` adds null. */
function sourceType(wf: Workflow, graph: WorkflowGraph, src: LinkSource): CwlType {
  if (src.kind === 'input') return wf.inputs.find((i) => i.id === src.name)?.type ?? 'Any';
  const step = graph.steps.get(src.step) as WorkflowStep;
  let type: CwlType = outputType(step.run, src.output);
  // `when` is decided per scatter instance: a skipped one is a null item of the gathered array.
  if (step.when !== undefined) type = union(['null', type]);
  const scatter = step.scatter ?? [];
  const levels = scatter.length === 0 ? 0 : step.scatterMethod === 'nested_crossproduct' ? scatter.length : 1;
  for (let i = 0; i < levels; i++) type = { type: 'array', items: type };
  return type;
}

function outputType(run: Process, name: string): CwlType {
  return run.outputs.find((o) => o.id === name)?.type ?? 'Any';
}

/** The item type of a scattered source, or undefined when it cannot be an array. */
function scatterItems(type: CwlType): CwlType | undefined {
  const ms = members(type).filter((m) => m !== 'null');
  if (ms.length === 0 || ms.includes('Any')) return 'Any';
  const arrays = ms.filter(isArray);
  if (arrays.length === 0) return undefined;
  // A source that may be an array or not: only its array members can be scattered.
  return union(arrays.map((a) => a.items));
}

/**
 * Can a value of type `src` go where `sink` is declared? 'error' only when no non-null member of
 * `src` fits any member of `sink`; null alone never makes an error (the run reports a null where
 * a value is needed, naming the step).
 */
export function assign(src: CwlType, sink: CwlType): Verdict {
  const sinks = members(sink);
  if (sinks.includes('Any')) return 'ok';
  const srcs = members(src).filter((m) => m !== 'null');
  if (srcs.length === 0 || srcs.includes('Any')) return 'ok';
  const verdicts = srcs.map((s) => best(sinks.map((k) => assignOne(s, k))));
  if (verdicts.every((v) => v === 'ok')) return 'ok';
  if (verdicts.every((v) => v === 'error')) return 'error';
  return 'warn';
}

const NUMBERS = new Set(['int', 'long', 'float', 'double']);

function assignOne(src: CwlType, sink: CwlType): Verdict {
  const s = fileAlias(src);
  const k = fileAlias(sink);
  if (k === 'Any' || s === 'Any') return 'ok';
  if (k === 'null') return 'error';
  if (typeof s === 'string' && typeof k === 'string') {
    if (s === k) return 'ok';
    if (NUMBERS.has(s) && NUMBERS.has(k)) {
      // int -> long, int/long -> float/double, float <-> double keep the value; the other way
      // round fits only some values (a whole float, a long in int range).
      const whole = (t: string): boolean => t === 'int' || t === 'long';
      return whole(k) && !whole(s) ? 'warn' : s === 'long' && k === 'int' ? 'warn' : 'ok';
    }
    return 'error';
  }
  if (typeof s === 'string' || typeof k === 'string' || Array.isArray(s) || Array.isArray(k)) {
    // An enum's value is a string; a string may or may not be one of an enum's symbols.
    if (typeof s === 'object' && !Array.isArray(s) && s.type === 'enum' && k === 'string') return 'ok';
    if (s === 'string' && typeof k === 'object' && !Array.isArray(k) && k.type === 'enum') return 'warn';
    return 'error';
  }
  if (s.type !== k.type) return 'error';
  if (s.type === 'array' && k.type === 'array') return assign(s.items, k.items);
  if (s.type === 'record' && k.type === 'record') {
    // Field by field, by name; a field missing on the source is null. Records are compared
    // loosely (a warning at most), as named and inline record types are easy to get subtly apart.
    for (const field of k.fields) {
      const from = s.fields.find((f) => f.name === field.name);
      if (assign(from?.type ?? 'null', field.type) !== 'ok' || (from === undefined && !acceptsNull(field.type))) return 'warn';
    }
    return 'ok';
  }
  return 'ok'; // enum -> enum: the value is checked against the symbols when it is bound
}

function best(vs: Verdict[]): Verdict {
  return vs.includes('ok') ? 'ok' : vs.includes('warn') ? 'warn' : 'error';
}

function fileAlias(t: CwlType): CwlType {
  return t === 'stdout' || t === 'stderr' || t === 'stdin' ? 'File' : t;
}

function members(t: CwlType): CwlType[] {
  return Array.isArray(t) ? t.flatMap(members) : [t];
}

function union(ts: CwlType[]): CwlType {
  const ms: CwlType[] = [];
  for (const m of ts.flatMap(members)) if (!ms.some((x) => sameType(x, m))) ms.push(m);
  return ms.length === 1 ? (ms[0] as CwlType) : ms;
}

function sameType(a: CwlType, b: CwlType): boolean {
  return typeof a === 'string' || typeof b === 'string' ? a === b : JSON.stringify(a) === JSON.stringify(b);
}

function withoutNull(t: CwlType): CwlType | undefined {
  const ms = members(t).filter((m) => m !== 'null');
  return ms.length === 0 ? undefined : union(ms);
}

function acceptsNull(t: CwlType): boolean {
  return members(t).some((m) => m === 'null' || m === 'Any');
}

function isArray(t: CwlType): t is { type: 'array'; items: CwlType } {
  return typeof t === 'object' && !Array.isArray(t) && t.type === 'array';
}

function describeLinks(links: LinkSource[]): string {
  const names = links.map((l) => (l.kind === 'input' ? `'${l.name}'` : `'${l.step}/${l.output}'`));
  return names.length === 1 ? `source ${names[0]}` : `sources ${names.join(', ')}`;
}

/** A type as written in CWL documents: `File`, `int[]`, `string?`, `File | int`. */
export function typeText(t: CwlType): string {
  const ms = members(t);
  const nonNull = ms.filter((m) => m !== 'null');
  if (ms.length > 1) {
    const inner = nonNull.map(typeText).join(' | ');
    return nonNull.length < ms.length ? (nonNull.length === 1 ? `${inner}?` : `(${inner})?`) : inner;
  }
  const m = ms[0] as CwlType;
  if (typeof m === 'string') return fileAlias(m) as string;
  if (Array.isArray(m)) return typeText(m);
  if (m.type === 'array') {
    const items = typeText(m.items);
    return `${/[ |?]/.test(items) ? `(${items})` : items}[]`;
  }
  if (m.type === 'enum') return m.name ? `enum ${m.name}` : 'enum';
  return m.name ? `record ${m.name}` : 'record';
}

