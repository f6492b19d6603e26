/**
 * Merging the values of several inbound data links into one sink value.
 * Workflow.yml, WorkflowStepInput "Merging multiple inbound data links" (also used by
 * WorkflowOutputParameter.outputSource).
 */
import type { LinkMerge } from '../model.js';

/**
 * The value a sink receives from its links. `values` holds one entry per `source`, in order.
 * With a single source and neither linkMerge nor pickValue given, the value is passed unwrapped;
 * otherwise the links are merged (merge_nested is the default).
 */
export function mergeLinks(values: unknown[], opts: { multiple: boolean; linkMerge?: LinkMerge; pickValue?: string }): unknown {
  if (!opts.multiple && opts.linkMerge === undefined && opts.pickValue === undefined) return values[0] ?? null;
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
