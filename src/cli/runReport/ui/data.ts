/**
 * What the page derives from the run record before drawing: task times, step states, colours.
 * Browser code (bundled into the report by scripts/bundleReport.ts); imports only types from below.
 */
import type { RunRecord, TaskRow } from '../../../dataflow/record/model.js';

export type { RunRecord, TaskRow };

/** Colours by task state (TaskState, src/dataflow/taskState.ts); a step takes the colour of its worst task. */
export const STATE_COLOURS: Record<string, string> = {
  exec_done: '#3a9d5d',
  memo_done: '#8cc9a0',
  failed: '#d64541',
  dep_fail: '#e8a33d',
  running: '#3b82f6',
  launched: '#93c5fd',
  pending: '#b8b8b8',
  skipped: '#dddddd',
};
export const STATE_ORDER = ['failed', 'dep_fail', 'running', 'launched', 'pending', 'exec_done', 'memo_done', 'skipped'];

export function stateColour(state: string): string {
  return STATE_COLOURS[state] ?? '#999999';
}

/**
 * When the run ended, or for a run still going (or killed) the last time a task ended or started.
 * A loop, not Math.max(...tasks): a spread of a million arguments overflows the stack.
 */
export function runEnd(record: RunRecord): number {
  if (record.run.endedAt !== undefined) return record.run.endedAt;
  let end = record.run.startedAt;
  for (const t of record.tasks) end = Math.max(end, t.endedAt ?? t.startedAt ?? 0);
  return end;
}

/** When a task started running (or was launched) and ended; a task still running ends "now" (the run's end). */
export function taskSpan(t: TaskRow, runEnd: number): [number, number] | undefined {
  const start = t.startedAt ?? t.launchedAt;
  if (start === undefined) return undefined;
  return [start, Math.max(start, t.endedAt ?? runEnd)];
}

/** The command's own wall time when the record has it, else the task's running span. */
export function taskDuration(t: TaskRow): number | undefined {
  if (t.wallMs !== undefined) return t.wallMs;
  const start = t.startedAt ?? t.launchedAt;
  return start !== undefined && t.endedAt !== undefined ? t.endedAt - start : undefined;
}

/**
 * A task's step as a path of step names: the record writes the scatter index of each enclosing
 * subworkflow instance into it (`count[1]/echo`); the figures group all instances of a step.
 */
export function stepPath(t: TaskRow): string | undefined {
  return t.step?.replace(/\[[^\]]*\]/g, '');
}

/** A group of tasks: a workflow step (a node of the graph), or an app name of a kernel program. */
export interface TaskGroup {
  name: string;
  tasks: TaskRow[];
  scatterWidth: number;
  state: string;
  counts: Record<string, number>;
  /** A subworkflow step: the paths of its own steps that ran (`process/resize`...). */
  nested: string[];
}

/**
 * The steps of the workflow (the record's steps, in its order), each with every task run under it:
 * a task's `step` is a path, `process/resize` for a step of the subworkflow step `process`. A
 * record without steps (a kernel program, or a record that lists none) groups tasks by the first
 * part of their step, else by app name.
 */
export function stepGroups(record: RunRecord): TaskGroup[] {
  const top = (t: TaskRow): string => stepPath(t)?.split('/')[0] ?? t.name;
  const byName = new Map<string, TaskRow[]>();
  for (const s of record.steps) byName.set(s.name, []);
  for (const t of record.tasks) {
    const key = top(t);
    let list = byName.get(key);
    if (list === undefined) byName.set(key, (list = []));
    list.push(t);
  }
  const widths = new Map(record.steps.map((s) => [s.name, s.scatterWidth]));
  return [...byName].map(([name, tasks]) => group(name, tasks, widths.get(name)));
}

/** One group per step path that ran (a subworkflow's steps each on their own), for the per-step figures. */
export function leafGroups(record: RunRecord): TaskGroup[] {
  const byName = new Map<string, TaskRow[]>();
  for (const t of record.tasks) {
    const key = stepPath(t) ?? t.name;
    let list = byName.get(key);
    if (list === undefined) byName.set(key, (list = []));
    list.push(t);
  }
  const widths = new Map(record.steps.map((s) => [s.name, s.scatterWidth]));
  return [...byName].map(([name, tasks]) => group(name, tasks, widths.get(name)));
}

function group(name: string, tasks: TaskRow[], width: number | undefined): TaskGroup {
  const counts: Record<string, number> = {};
  const nested = new Set<string>();
  for (const t of tasks) {
    counts[t.state] = (counts[t.state] ?? 0) + 1;
    const p = stepPath(t);
    if (p !== undefined && p !== name && p.startsWith(`${name}/`)) nested.add(p);
  }
  return { name, tasks, scatterWidth: width ?? (nested.size > 0 ? 1 : tasks.length), state: groupState(counts, tasks.length), counts, nested: [...nested].sort() };
}

function groupState(counts: Record<string, number>, n: number): string {
  if (n === 0) return 'skipped';
  for (const s of STATE_ORDER) if ((counts[s] ?? 0) > 0 && s !== 'exec_done' && s !== 'memo_done') return s;
  return (counts.exec_done ?? 0) > 0 ? 'exec_done' : 'memo_done';
}

export function isFailed(t: TaskRow): boolean {
  return t.state === 'failed';
}

export function formatMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h} h ${m} min` : `${m} min ${s % 60} s`;
}

export function formatKb(kb: number | undefined): string {
  if (kb === undefined) return '';
  if (kb < 1024) return `${kb} KiB`;
  if (kb < 1024 * 1024) return `${(kb / 1024).toFixed(1)} MiB`;
  return `${(kb / 1024 / 1024).toFixed(2)} GiB`;
}

/** The value at quantile q of sorted numbers. */
export function quantile(sorted: number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))];
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

/** A task's label in lists: step or name, with its scatter index. */
export function taskLabel(t: TaskRow): string {
  const base = t.step ?? t.name;
  return t.scatterIndex !== undefined && t.scatterIndex.length > 0 ? `${base}[${t.scatterIndex.join(',')}]` : base;
}

/** A worker's short name: HTEX names workers `<manager>/<wN>`; shown as `wN · <manager>`. */
export function workerLabel(t: TaskRow): string {
  if (t.worker === undefined) return t.manager ?? '';
  const w = t.manager !== undefined && t.worker.startsWith(`${t.manager}/`) ? t.worker.slice(t.manager.length + 1) : t.worker;
  const short = /^\d+$/.test(w) ? `w${w}` : w;
  return t.manager !== undefined ? `${short} · ${t.manager}` : short;
}
