/** CWL §WorkReuse, read in one place: by kernel memoization (app/jobApp.ts) and the job cache (cache/). */
import type { Requirement } from './model.js';

/** CWL §WorkReuse: `enableReuse: false` in force (requirement over hint) forbids reusing results. */
export function reuseAllowed(requirements: readonly Requirement[], hints: readonly Requirement[]): boolean {
  const find = (list: readonly Requirement[]): Requirement | undefined => [...list].reverse().find((r) => r.class === 'WorkReuse');
  const req = find(requirements) ?? find(hints);
  // An expression cannot be evaluated before the job runs; not reusing is the safe reading.
  return req === undefined || req.enableReuse === true || req.enableReuse === undefined;
}
