/**
 * Requirements and hints in force for a step's process.
 * Process.yml "Requirements and hints": the most specific entry wins (process > step > workflow),
 * hints resolve the same way, and a requirement overrides a hint of the same class, also when the
 * requirement comes from an enclosing workflow or step and the hint from the process itself.
 */
import type { Requirement } from '../model.js';

export interface RequirementSet {
  requirements: Requirement[];
  hints: Requirement[];
}

export const EMPTY_REQUIREMENTS: RequirementSet = { requirements: [], hints: [] };

/** Combine `outer` (inherited) with `inner` (more specific): inner entries replace outer ones by class. */
export function inheritRequirements(outer: RequirementSet, inner: { requirements?: Requirement[]; hints?: Requirement[] }): RequirementSet {
  const requirements = overlay(outer.requirements, inner.requirements);
  const required = new Set(requirements.map((r) => r.class));
  const hints = overlay(outer.hints, inner.hints).filter((h) => !required.has(h.class));
  return { requirements, hints };
}

function overlay(outer: Requirement[], inner: Requirement[] | undefined): Requirement[] {
  if (!inner || inner.length === 0) return outer;
  if (outer.length === 0) return inner;
  const innerClasses = new Set(inner.map((r) => r.class));
  return [...outer.filter((r) => !innerClasses.has(r.class)), ...inner];
}

/** The entry of `cls` in force (requirement first, then hint), if any. */
export function findRequirement(set: RequirementSet, cls: string): Requirement | undefined {
  return set.requirements.find((r) => r.class === cls) ?? set.hints.find((r) => r.class === cls);
}
