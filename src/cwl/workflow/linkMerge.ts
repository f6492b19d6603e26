/**
 * Merging the values of several inbound data links into one sink value.
 * Workflow.yml, WorkflowStepInput "Merging multiple inbound data links" (also used by
 * WorkflowOutputParameter.outputSource).
 */
import type { LinkMerge } from '../model.js';

/**
 * The value a sink receives from its links. `values` holds one entry per `source`, in order.
 * A single source without an explicit linkMerge passes its value unwrapped (also with pickValue,
 * which then applies to that value's first level: conditionals test cond-wf-009 picks the non-null
 * items of one scattered source); otherwise the links are merged (merge_nested is the default).
 */
export function mergeLinks(values: unknown[], opts: { multiple: boolean; linkMerge?: LinkMerge }): unknown {
  if (!opts.multiple && opts.linkMerge === undefined) return values[0] ?? null;
  const method = opts.linkMerge ?? 'merge_nested';
  if (method === 'merge_nested') return values.slice();
  // merge_flattened: arrays are concatenated, single values appended.
  const out: unknown[] = [];
  for (const v of values) {
    if (Array.isArray(v)) for (const item of v) out.push(item);
    else out.push(v);
  }
  return out;
}
