/**
 * Picking non-null values among inbound data links.
 * Workflow.yml, WorkflowStepInput "Picking non-null values among inbound data links".
 */
import type { PickValue } from '../model.js';
import { PickValueError } from '../errors.js';

/**
 * Apply `method` to the first level of `value` (after linkMerge, before scatter/valueFrom).
 * `sink` names the step input or workflow output in errors.
 */
export function pickValue(value: unknown, method: PickValue, sink: string): unknown {
  // A single unmerged link is treated as a one-element list.
  const list = Array.isArray(value) ? value : [value];
  switch (method) {
    case 'first_non_null': {
      for (const v of list) if (v !== null && v !== undefined) return v;
      throw new PickValueError(sink, method, 'all sources are null; give a fallback source or make the sink optional');
    }
    case 'the_only_non_null': {
      let found: unknown = undefined;
      let count = 0;
      for (const v of list) {
        if (v !== null && v !== undefined) {
          count++;
          found = v;
        }
      }
      if (count === 1) return found;
      throw new PickValueError(
        sink,
        method,
        count === 0 ? 'all sources are null' : `${count} sources are non-null, exactly one may be; check the 'when' conditions of the upstream steps`,
      );
    }
    case 'all_non_null':
      return list.filter((v) => v !== null && v !== undefined);
  }
}
