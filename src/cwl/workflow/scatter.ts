/**
 * Scatter expansion and gathering. Workflow.yml, WorkflowStep "Scatter/gather".
 *
 * Instances are shallow copies of the step input object with the scattered keys replaced by one
 * element each: no deep copies, so a 20,000-way scatter costs 20,000 small objects.
 */
import type { WorkflowStep } from '../model.js';
import { ScatterInputError } from '../errors.js';

export type ScatterMethod = NonNullable<WorkflowStep['scatterMethod']>;

export interface ScatterInstance {
  /** Position in each scattered dimension (one entry for dotproduct and single-input scatters). */
  index: number[];
  inputs: Record<string, unknown>;
}

export interface ScatterPlan {
  /** Instances in output order (row-major for the crossproducts). */
  instances: ScatterInstance[];
  /** Arrange per-instance values (same order as `instances`) into the step output's shape. */
  gather(values: unknown[]): unknown[];
}

export function planScatter(stepId: string, inputs: Record<string, unknown>, scatter: string[], method: ScatterMethod | undefined): ScatterPlan {
  const arrays: unknown[][] = scatter.map((name) => {
    const v = inputs[name];
    if (!Array.isArray(v)) {
      throw new ScatterInputError(stepId, `scattered input '${name}' must be an array, got ${v === null || v === undefined ? 'null' : typeof v}`);
    }
    return v;
  });
  if (scatter.length > 1 && method === undefined) {
    throw new ScatterInputError(stepId, `scatter over ${scatter.length} inputs needs a scatterMethod (dotproduct, nested_crossproduct or flat_crossproduct)`);
  }
  if (scatter.length <= 1 || method === 'dotproduct') return dotproduct(stepId, inputs, scatter, arrays);
  return crossproduct(inputs, scatter, arrays, method === 'nested_crossproduct');
}

// dotproduct: "each of the input arrays are aligned and one element taken from each array".
function dotproduct(stepId: string, inputs: Record<string, unknown>, names: string[], arrays: unknown[][]): ScatterPlan {
  const n = arrays[0]?.length ?? 0;
  arrays.forEach((a, i) => {
    if (a.length !== n) {
      throw new ScatterInputError(stepId, `dotproduct needs arrays of equal length: '${names[0]}' has ${n} items, '${names[i]}' has ${a.length}`);
    }
  });
  const instances: ScatterInstance[] = new Array<ScatterInstance>(n);
  for (let i = 0; i < n; i++) {
    const copy: Record<string, unknown> = { ...inputs };
    for (let k = 0; k < names.length; k++) copy[names[k]!] = arrays[k]![i];
    instances[i] = { index: [i], inputs: copy };
  }
  return { instances, gather: (values) => values };
}

// nested_crossproduct / flat_crossproduct: "the Cartesian product of the inputs", in the order the
// inputs are listed in `scatter`; nested output has one array level per scattered input.
function crossproduct(inputs: Record<string, unknown>, names: string[], arrays: unknown[][], nested: boolean): ScatterPlan {
  const dims = arrays.map((a) => a.length);
  const total = dims.reduce((p, d) => p * d, 1);
  const instances: ScatterInstance[] = new Array<ScatterInstance>(total);
  const index = new Array<number>(dims.length).fill(0);
  for (let flat = 0; flat < total; flat++) {
    const copy: Record<string, unknown> = { ...inputs };
    for (let k = 0; k < names.length; k++) copy[names[k]!] = arrays[k]![index[k]!];
    instances[flat] = { index: index.slice(), inputs: copy };
    // Odometer increment, last dimension fastest (row-major).
    for (let k = dims.length - 1; k >= 0; k--) {
      index[k] = index[k]! + 1;
      if (index[k]! < dims[k]!) break;
      index[k] = 0;
    }
  }
  if (!nested) return { instances, gather: (values) => values };
  return { instances, gather: (values) => reshape(values, dims, 0, 0).value };
}

function reshape(values: unknown[], dims: number[], level: number, offset: number): { value: unknown[]; next: number } {
  const size = dims[level] ?? 0;
  const out: unknown[] = [];
  if (level === dims.length - 1) {
    for (let i = 0; i < size; i++) out.push(values[offset + i]);
    return { value: out, next: offset + size };
  }
  let at = offset;
  for (let i = 0; i < size; i++) {
    const r = reshape(values, dims, level + 1, at);
    out.push(r.value);
    at = r.next;
  }
  return { value: out, next: at };
}
