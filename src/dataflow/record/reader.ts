/**
 * Reading a run's record back (docs/run-record.md): `readRunRecord(dir)` folds the event logs into
 * one row per task and per block (model.ts); `readTaskEvents(dir)` streams the raw task events for
 * a program that wants to query a very large run without holding every row.
 *
 * The logs are read line by line; a line that does not parse (the torn last line of a killed run)
 * is skipped, and a record still being written reads as far as it was flushed.
 */
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { RunRecordInvalidError, RunRecordMissingError } from '../errors.js';
import type { BlockRow, RunInfo, RunRecord, StepRow, TaskAttempt, TaskRow } from './model.js';
import { RECORD_FORMAT } from './writer.js';

/** One line of tasks.jsonl (every field but `e` and `id` depends on the event). */
export interface TaskEventLine {
  e: 'submitted' | 'ready' | 'launched' | 'running' | 'report' | 'try_failed' | 'ended';
  id: number;
  t?: number;
  try?: number;
  [field: string]: unknown;
}

/** The task events of the record in `dir`, in the order they were written. */
export async function* readTaskEvents(dir: string): AsyncGenerator<TaskEventLine> {
  for await (const line of jsonLines(join(resolve(dir), 'tasks.jsonl'))) {
    if (typeof line.e === 'string' && typeof line.id === 'number') yield line as TaskEventLine;
  }
}

/** The whole record in `dir` (a folder with a run.json). */
export async function readRunRecord(dir: string): Promise<RunRecord> {
  const abs = resolve(dir);
  const run = readRunInfo(abs);
  const tasks = new Map<number, TaskRow>();
  for await (const ev of readTaskEvents(abs)) {
    let row = tasks.get(ev.id);
    if (row === undefined) {
      // Events normally come in order; the last batches of a process that exited mid-write may not.
      row = { id: ev.id, name: '', kind: 'pending', state: 'pending', submittedAt: num(ev.t) ?? 0, tries: 0, attempts: [] };
      tasks.set(ev.id, row);
    }
    if (ev.e === 'submitted') {
      row.name = str(ev.name) ?? '';
      row.submittedAt = num(ev.t) ?? row.submittedAt;
      const step = str(ev.step);
      if (step !== undefined) row.step = step;
      if (Array.isArray(ev.scatterIndex)) row.scatterIndex = ev.scatterIndex as number[];
      // Launched in the same call (no dependencies): its first launch is on this line.
      if (ev.launchedAt !== undefined) applyEvent(row, { e: 'launched', id: ev.id, t: num(ev.launchedAt), try: 0, executor: ev.executor, kind: ev.kind });
      continue;
    }
    applyEvent(row, ev);
  }
  const rows = [...tasks.values()];
  for (const row of rows) {
    if (row.readyAt === undefined && row.launchedAt !== undefined) row.readyAt = row.submittedAt;
  }
  const { steps, edges } = readSteps(abs);
  return { dir: abs, run, tasks: rows, blocks: await readBlocks(abs), steps, edges };
}

function readRunInfo(dir: string): RunInfo {
  const file = join(dir, 'run.json');
  if (!existsSync(file)) throw new RunRecordMissingError(dir);
  let info: RunInfo;
  try {
    info = JSON.parse(readFileSync(file, 'utf8')) as RunInfo;
  } catch (err) {
    throw new RunRecordInvalidError(file, `is not JSON (${(err as Error).message})`);
  }
  if (typeof info.format !== 'string' || !info.format.startsWith('parsl-cwl-record/')) throw new RunRecordInvalidError(file, `has no 'format' of a parsl-cwl run record`);
  if (info.format !== RECORD_FORMAT) throw new RunRecordInvalidError(file, `is in format ${info.format}; this parsl-cwl reads ${RECORD_FORMAT}`);
  return info;
}

function attemptOf(row: TaskRow, n: number): TaskAttempt {
  let a = row.attempts[row.attempts.length - 1];
  if (a === undefined || a.try !== n) {
    a = row.attempts.find((x) => x.try === n);
    if (a === undefined) {
      a = { try: n };
      row.attempts.push(a);
      row.tries = Math.max(row.tries, n + 1);
    }
  }
  return a;
}

function applyEvent(row: TaskRow, ev: TaskEventLine): void {
  const t = num(ev.t);
  switch (ev.e) {
    case 'ready':
      row.readyAt = t;
      return;
    case 'launched': {
      const a = attemptOf(row, num(ev.try) ?? 0);
      a.launchedAt = t;
      row.launchedAt ??= t;
      row.kind = str(ev.kind) ?? row.kind;
      row.executor = str(ev.executor);
      if (row.state === 'pending') row.state = 'launched';
      return;
    }
    case 'running': {
      const a = attemptOf(row, num(ev.try) ?? 0);
      a.startedAt = t;
      row.startedAt ??= t;
      if (row.state === 'launched' || row.state === 'pending') row.state = 'running';
      return;
    }
    case 'report': {
      const a = attemptOf(row, num(ev.try) ?? 0);
      // The executor's clock for where it ran; the kernel's `running` event, where there is one, came first.
      a.startedAt ??= num(ev.startedAt);
      row.startedAt ??= a.startedAt;
      const where = { block: str(ev.block), manager: str(ev.manager), worker: str(ev.worker) };
      for (const k of ['block', 'manager', 'worker'] as const) {
        if (where[k] !== undefined) {
          a[k] = where[k];
          row[k] = where[k];
        }
      }
      const exit = num(ev.exitCode);
      if (exit !== undefined) row.exitCode = exit;
      if (Array.isArray(ev.commandLine)) row.commandLine = ev.commandLine as string[];
      row.jobDir = str(ev.workDir) ?? row.jobDir;
      row.inputBytes = num(ev.inputBytes) ?? row.inputBytes;
      row.outputBytes = num(ev.outputBytes) ?? row.outputBytes;
      row.image = str(ev.image) ?? row.image;
      const wall = num(ev.wallMs);
      if (wall !== undefined) row.wallMs = wall;
      const user = num(ev.userMs);
      const sys = num(ev.systemMs);
      if (user !== undefined || sys !== undefined) row.cpuMs = (user ?? 0) + (sys ?? 0);
      const rss = num(ev.maxRssKb);
      if (rss !== undefined) row.maxRssKb = rss;
      return;
    }
    case 'try_failed': {
      const a = attemptOf(row, num(ev.try) ?? 0);
      a.endedAt = t;
      setFailure(a, ev);
      row.state = 'pending';
      return;
    }
    case 'ended': {
      row.state = str(ev.state) ?? row.state;
      row.endedAt = t;
      const last = row.attempts[row.attempts.length - 1];
      if (last !== undefined && last.endedAt === undefined) {
        last.endedAt = t;
        if (ev.outcome !== undefined) setFailure(last, ev);
        else if (row.state === 'exec_done') last.outcome = 'ok';
      }
      if (ev.outcome !== undefined) {
        row.errorCode = str(ev.errorCode);
        row.error = str(ev.error);
        row.stderrTail = str(ev.stderrTail);
      }
      return;
    }
    default:
      return;
  }
}

function setFailure(a: TaskAttempt, ev: TaskEventLine): void {
  const outcome = str(ev.outcome);
  a.outcome = outcome === 'lost' || outcome === 'cancelled' ? outcome : 'failed';
  a.errorCode = str(ev.errorCode);
  a.error = str(ev.error);
}

async function readBlocks(dir: string): Promise<BlockRow[]> {
  const blocks = new Map<string, BlockRow>();
  for await (const ev of jsonLines(join(dir, 'blocks.jsonl'))) {
    const executor = str(ev.executor) ?? '';
    const id = str(ev.blockId);
    if (id === undefined) continue;
    const key = `${executor}\u0000${id}`;
    const t = num(ev.t) ?? 0;
    let row = blocks.get(key);
    if (row === undefined) {
      row = { id, executor, provider: str(ev.provider) ?? '', state: 'submitted', submittedAt: t };
      blocks.set(key, row);
    }
    const state = str(ev.state);
    if (state === 'running') row.runningAt ??= t;
    if (state === 'ended') row.endedAt = t;
    if (state !== undefined && row.state !== 'ended') row.state = state;
    row.jobId = str(ev.jobId) ?? row.jobId;
  }
  return [...blocks.values()];
}

function readSteps(dir: string): { steps: StepRow[]; edges: Array<{ from: string; to: string }> } {
  try {
    const parsed = JSON.parse(readFileSync(join(dir, 'steps.json'), 'utf8')) as { steps?: StepRow[]; edges?: Array<{ from: string; to: string }> };
    return { steps: parsed.steps ?? [], edges: parsed.edges ?? [] };
  } catch {
    return { steps: [], edges: [] };
  }
}

/** The JSON objects of a JSON Lines file (none when it does not exist); bad lines are skipped. */
async function* jsonLines(file: string): AsyncGenerator<Record<string, unknown>> {
  if (!existsSync(file)) return;
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.length === 0) continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      continue;
    }
    if (v !== null && typeof v === 'object') yield v as Record<string, unknown>;
  }
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
