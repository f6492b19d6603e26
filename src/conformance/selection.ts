/** Which tests of the suite a run includes: sets, tags, excluded tags and ids, all applied together. */
import { ConformanceUsageError } from './errors.js';
import type { ConformanceTest } from './testList.js';

export interface Selection {
  /** Only tests with any of these tags (none: all). */
  tags: string[];
  /** Never tests with any of these tags. */
  excludeTags: string[];
  /** Only these ids (none: all); an id the suite does not have is a usage error. */
  ids: string[];
  /** Only ids in this set (from --set); undefined: all. */
  setIds?: Set<string>;
}

export function selectTests(tests: ConformanceTest[], selection: Selection): ConformanceTest[] {
  if (selection.ids.length > 0) {
    const known = new Set(tests.map((t) => t.id));
    const unknown = selection.ids.filter((id) => !known.has(id));
    if (unknown.length > 0) throw new ConformanceUsageError(`--ids names tests the suite does not have: ${unknown.join(', ')}`);
  }
  const ids = new Set(selection.ids);
  return tests.filter(
    (t) =>
      (selection.setIds === undefined || selection.setIds.has(t.id)) &&
      (selection.tags.length === 0 || t.tags.some((tag) => selection.tags.includes(tag))) &&
      !t.tags.some((tag) => selection.excludeTags.includes(tag)) &&
      (ids.size === 0 || ids.has(t.id)),
  );
}
