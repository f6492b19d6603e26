/**
 * Counts and the text report of a conformance run: the per-tag table, the failures with a one-line
 * reason, the wall time, and a closing line exactly `N passed, N failed, N unsupported`.
 */
import type { TestResult } from './testRun.js';

export interface Counts {
  passed: number;
  failed: number;
  unsupported: number;
  total: number;
}

export interface TagCounts extends Counts {
  tag: string;
}

/** The tag every test also counts under (as cwltest's table has it). */
export const ALL_TAG = 'all';

export function countResults(results: TestResult[]): Counts {
  const counts: Counts = { passed: 0, failed: 0, unsupported: 0, total: 0 };
  for (const r of results) {
    counts[r.status]++;
    counts.total++;
  }
  return counts;
}

/** Counts per tag, sorted by tag, with the `all` row last. A test without tags counts only under `all`. */
export function tagTable(results: TestResult[]): TagCounts[] {
  const byTag = new Map<string, TestResult[]>();
  for (const r of results) {
    for (const tag of new Set(r.tags)) {
      const list = byTag.get(tag) ?? [];
      list.push(r);
      byTag.set(tag, list);
    }
  }
  const rows = [...byTag.keys()]
    .filter((tag) => tag !== ALL_TAG)
    .sort()
    .map((tag) => ({ tag, ...countResults(byTag.get(tag) ?? []) }));
  rows.push({ tag: ALL_TAG, ...countResults(results) });
  return rows;
}

export function formatTagTable(rows: TagCounts[]): string {
  const header = ['tag', 'passed/total', 'failed', 'unsupported'];
  const body = rows.map((r) => [r.tag, `${r.passed}/${r.total}`, String(r.failed), String(r.unsupported)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(header), ...body.map(line)].join('\n');
}

/** The same table as Markdown, for docs/conformance.md and the README. */
export function formatTagTableMarkdown(rows: TagCounts[]): string {
  const lines = ['| tag | passed/total | failed | unsupported |', '|---|---:|---:|---:|'];
  for (const r of rows) lines.push(`| ${r.tag === ALL_TAG ? '**all**' : r.tag} | ${r.passed}/${r.total} | ${r.failed} | ${r.unsupported} |`);
  return lines.join('\n');
}

/** The closing line, exactly `N passed, N failed, N unsupported`. */
export function closingLine(counts: Counts): string {
  return `${counts.passed} passed, ${counts.failed} failed, ${counts.unsupported} unsupported`;
}

export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
}

export function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export interface ReportInput {
  results: TestResult[];
  wallMs: number;
  runnerLabel: string;
  suiteDir: string;
  jobs: number;
  showFailures: boolean;
}

/** The whole text report; its last line is the closing line. */
export function formatReport(input: ReportInput): string {
  const counts = countResults(input.results);
  const out: string[] = [];
  out.push(formatTagTable(tagTable(input.results)));
  const failed = input.results.filter((r) => r.status === 'failed');
  if (failed.length > 0) {
    out.push('', `Failures (${failed.length}):`);
    for (const r of failed) {
      out.push(`  ${r.id}: ${r.reason ?? 'failed'}`);
      if (input.showFailures && r.detail) out.push(r.detail);
    }
  }
  const unsupported = input.results.filter((r) => r.status === 'unsupported');
  if (unsupported.length > 0) out.push('', `Unsupported (${unsupported.length}): ${unsupported.map((r) => r.id).join(', ')}`);
  const perTest = median(input.results.map((r) => r.durationMs));
  out.push(
    '',
    `Runner: ${input.runnerLabel}; suite: ${input.suiteDir}; ${input.jobs} at a time`,
    `Wall time: ${formatDuration(input.wallMs)} for ${counts.total} tests (median ${(perTest / 1000).toFixed(2)} s per test)`,
    closingLine(counts),
  );
  return out.join('\n');
}

/** One runner's results, for a side-by-side table. */
export interface RunnerResults {
  label: string;
  results: TestResult[];
}

/** Rows: every tag of any runner (then `all`); cells: passed/total and unsupported per runner. */
function sideBySideRows(runs: RunnerResults[]): { tag: string; cells: string[] }[] {
  const tables = runs.map((run) => new Map(tagTable(run.results).map((row) => [row.tag, row])));
  const tags = [...new Set(tables.flatMap((t) => [...t.keys()]))].filter((t) => t !== ALL_TAG).sort();
  tags.push(ALL_TAG);
  return tags.map((tag) => ({
    tag,
    cells: tables.map((table) => {
      const row = table.get(tag);
      return row ? `${row.passed}/${row.total}${row.unsupported > 0 ? ` (${row.unsupported} unsupported)` : ''}` : '-';
    }),
  }));
}

/** Per-tag counts of several runners on the same tests, side by side. */
export function formatSideBySide(runs: RunnerResults[]): string {
  const header = ['tag', ...runs.map((r) => r.label)];
  const body = sideBySideRows(runs).map((row) => [row.tag, ...row.cells]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(header), ...body.map(line)].join('\n');
}

/** The side-by-side table as Markdown, for docs/conformance.md and the README. */
export function formatSideBySideMarkdown(runs: RunnerResults[]): string {
  const lines = [`| tag | ${runs.map((r) => r.label).join(' | ')} |`, `|---|${runs.map(() => '---:').join('|')}|`];
  for (const row of sideBySideRows(runs)) lines.push(`| ${row.tag === ALL_TAG ? '**all**' : row.tag} | ${row.cells.join(' | ')} |`);
  return lines.join('\n');
}
