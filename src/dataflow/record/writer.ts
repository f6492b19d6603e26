/**
 * The writer of a run's record (docs/run-record.md): `run.json` (what ran, its status), and the
 * append-only event logs `tasks.jsonl` and `blocks.jsonl`, one JSON object per line.
 *
 * Why JSON Lines: append-only lines hold a run of 1,000,000 tasks with one sequential write per
 * batch and nothing to keep in memory after a batch is written; a killed run leaves every batch
 * written so far readable (a torn last line is skipped by the reader); any language reads it; and
 * no native module is needed (SQLite bindings must be built per Node version, CI runs 20 to 26).
 *
 * Off the hot path: events are formatted as strings when they happen (a template string each, no
 * object) and written together by one synchronous append when the current burst is over (a timer),
 * at shutdown and at process exit, as the run log does (runDir.ts). A record that cannot be written
 * (folder removed, disk full) never fails the run: it says so once through `warn`.
 */
import { appendFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { BlockEvent, TaskRunReport } from '../../executors/index.js';
import type { RunInfo, StepRow } from './model.js';

/** The record's layout; readers check it. */
export const RECORD_FORMAT = 'parsl-cwl-record/1';

const FLUSH_MS = 250;
/** A batch this large is written at once rather than at the timer (bounded memory in long bursts). */
const FLUSH_LINES = 20_000;
/** Error messages are kept to their first line, at most this long. */
const ERROR_CHARS = 500;

/** What a task is, given when it is submitted (a CWL step instance's step and scatter index). */
export interface TaskTags {
  step?: string;
  scatterIndex?: number[];
}

export class RunRecorder {
  readonly dir: string;
  private readonly info: RunInfo;
  private tasks: string[] = [];
  private blocks: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private warned = false;
  private readonly flushAtExit = (): void => this.flush();

  constructor(
    dir: string,
    info: Partial<RunInfo> & { executor: string; version: string },
    private readonly warn?: (line: string) => void,
  ) {
    this.dir = resolve(dir);
    mkdirSync(this.dir, { recursive: true });
    this.info = {
      id: basename(this.dir),
      format: RECORD_FORMAT,
      status: 'running',
      startedAt: Date.now(),
      argv: process.argv.slice(1),
      cwd: process.cwd(),
      hostname: hostname(),
      ...info,
    };
    this.writeRunInfo();
    process.once('exit', this.flushAtExit);
  }

  /** Add or change run.json's fields (the CLI: the document and job file). */
  setInfo(info: Partial<Pick<RunInfo, 'process' | 'jobFile' | 'status'>>): void {
    Object.assign(this.info, info);
    if (!this.closed) this.writeRunInfo();
  }

  get status(): RunInfo['status'] {
    return this.info.status;
  }

  submitted(id: number, t: number, name: string, tags: TaskTags | undefined): void {
    let line = `{"e":"submitted","id":${id},"t":${t},"name":${JSON.stringify(name)}`;
    if (tags?.step !== undefined) line += `,"step":${JSON.stringify(tags.step)}`;
    if (tags?.scatterIndex !== undefined) line += `,"scatterIndex":${JSON.stringify(tags.scatterIndex)}`;
    this.task(`${line}}`);
  }

  ready(id: number): void {
    this.task(`{"e":"ready","id":${id},"t":${Date.now()}}`);
  }

  launched(id: number, attempt: number, executor: string, kind: string): void {
    this.task(`{"e":"launched","id":${id},"try":${attempt},"t":${Date.now()},"executor":${JSON.stringify(executor)},"kind":${JSON.stringify(kind)}}`);
  }

  running(id: number, attempt: number): void {
    this.task(`{"e":"running","id":${id},"try":${attempt},"t":${Date.now()}}`);
  }

  report(id: number, attempt: number, report: TaskRunReport): void {
    const body = JSON.stringify(report);
    this.task(`{"e":"report","id":${id},"try":${attempt}${body.length > 2 ? `,${body.slice(1)}` : '}'}`);
  }

  /** A try failed and the task will be tried again. */
  tryFailed(id: number, attempt: number, error: unknown): void {
    this.task(`{"e":"try_failed","id":${id},"try":${attempt},"t":${Date.now()}${errorFields(error)}}`);
  }

  /** The task reached its final state. */
  ended(id: number, state: string, error: unknown): void {
    this.task(`{"e":"ended","id":${id},"t":${Date.now()},"state":"${state}"${error === undefined ? '' : errorFields(error)}}`);
  }

  block(executor: string, event: BlockEvent): void {
    this.blocks.push(JSON.stringify({ e: 'block', t: Date.now(), executor, ...event }));
    this.schedule();
  }

  /** The workflow's steps and their dependencies (steps.json), written once when the run starts. */
  steps(steps: StepRow[], edges: Array<{ from: string; to: string }>): void {
    this.guard(() => writeFileSync(join(this.dir, 'steps.json'), `${JSON.stringify({ steps, edges })}\n`));
  }

  /** Write what is pending now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.tasks.length > 0) {
      const text = `${this.tasks.join('\n')}\n`;
      this.tasks = [];
      this.guard(() => appendFileSync(join(this.dir, 'tasks.jsonl'), text));
    }
    if (this.blocks.length > 0) {
      const text = `${this.blocks.join('\n')}\n`;
      this.blocks = [];
      this.guard(() => appendFileSync(join(this.dir, 'blocks.jsonl'), text));
    }
  }

  /** Flush, mark the run ended with `status` (unless setInfo gave one), stop recording; safe to call twice. */
  close(status: RunInfo['status']): void {
    if (this.closed) return;
    this.flush();
    if (this.info.status === 'running') this.info.status = status;
    this.info.endedAt = Date.now();
    this.writeRunInfo();
    this.closed = true;
    process.removeListener('exit', this.flushAtExit);
  }

  private task(line: string): void {
    if (this.closed) return;
    this.tasks.push(line);
    if (this.tasks.length >= FLUSH_LINES) this.flush();
    else this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => this.flush(), FLUSH_MS);
    // The record never keeps a program alive; shutdown and exit write what is left.
    this.timer.unref();
  }

  /** run.json is replaced whole (write, then rename), so a reader never sees half of it. */
  private writeRunInfo(): void {
    const file = join(this.dir, 'run.json');
    this.guard(() => {
      writeFileSync(`${file}.tmp`, `${JSON.stringify(this.info, null, 1)}\n`);
      renameSync(`${file}.tmp`, file);
    });
  }

  private guard(write: () => void): void {
    try {
      write();
    } catch (err) {
      if (this.warned) return;
      this.warned = true;
      this.warn?.(`the run record in ${this.dir} could not be written (${(err as Error).message}); the run goes on without it`);
    }
  }
}

/** `,"errorCode":...,"error":...,"outcome":...` of a failure, in the record's terms. */
function errorFields(error: unknown): string {
  const code = typeof (error as { code?: unknown })?.code === 'string' ? ((error as { code: string }).code) : undefined;
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
  const text = message.length > ERROR_CHARS ? `${message.slice(0, ERROR_CHARS)}…` : message;
  return `,"outcome":"${outcomeOf(code, error)}"${code === undefined ? '' : `,"errorCode":${JSON.stringify(code)}`},"error":${JSON.stringify(text)}`;
}

/** A lost worker or pool is `lost`; a shutdown or a caller's abort `cancelled`; anything else `failed`. */
function outcomeOf(code: string | undefined, error: unknown): 'failed' | 'lost' | 'cancelled' {
  if (code === 'PCWL_WORKER_LOST' || code === 'PCWL_MANAGER_LOST') return 'lost';
  if (code === 'PCWL_KERNEL_SHUT_DOWN' || (error instanceof Error && error.name === 'AbortError')) return 'cancelled';
  return 'failed';
}
