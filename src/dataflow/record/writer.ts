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
 * object), copied into a buffer at once, and written together when the current burst is over (a
 * timer), when the buffer reaches FLUSH_BYTES, at shutdown and at process exit. A small batch is one
 * synchronous write (a one-tool run starts no libuv thread for it, as the run log, runDir.ts); a
 * large one goes to libuv's thread pool, so a burst of thousands of tasks does not wait for the
 * disk (measured: a synchronous append of the batches cost 3-10 us per no-op task on this VM,
 * docs/run-record.md). One write is in flight at a time, so lines stay in order. A record that
 * cannot be written (folder removed, disk full) never fails the run: it says so once via `warn`.
 */
import { closeSync, mkdirSync, openSync, renameSync, writeFileSync, writeSync, writev } from 'node:fs';
import { hostname } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { BlockEvent, TaskRunReport } from '../../executors/index.js';
import type { RunInfo, StepRow } from './model.js';

/** The record's layout; readers check it. */
export const RECORD_FORMAT = 'parsl-cwl-record/1';

const FLUSH_MS = 250;
/** A batch this large is written at once rather than at the timer (bounded memory in long bursts). */
const FLUSH_BYTES = 1 << 20;
/** Batches up to this size are written synchronously; larger ones by the thread pool. */
const SYNC_BYTES = 64 * 1024;

/** Error messages are kept to their first line, at most this long. */
const ERROR_CHARS = 500;
/** The end of a failed command's stderr kept with its failure. */
const STDERR_CHARS = 2000;
/** Lines are copied into chunks of this size as they come (no string is kept: a long string buffer cost more in GC than the writes). */
const CHUNK_BYTES = 256 * 1024;
/** See LineFile.text. */
const TEXT_UNITS = 16 * 1024;

/** One append-only JSON Lines file: its lines copied into buffers as they come, at most one write in flight. */
class LineFile {
  private chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  private pos = 0;
  /** Full chunks waiting to be written, in order, and their size. */
  private queue: Buffer[] = [];
  queued = 0;
  private fd: number | undefined;
  private inFlight: Promise<void> | undefined;

  constructor(
    private readonly path: string,
    private readonly failed: (err: unknown) => void,
  ) {}

  /** Lines gathered as one string until it is this long, then copied into a chunk: appending to a short string and one copy per batch cost less than one copy per line (measured 0.3 against 1.3-3 us per line on this VM, docs/run-record.md). */
  private text = '';

  /** Bytes (about) not yet handed to the file. */
  get pending(): number {
    return this.queued + this.pos + this.text.length;
  }

  add(line: string): void {
    this.text += line;
    if (this.text.length >= TEXT_UNITS) this.spill();
  }

  /** Copy the lines gathered as a string into the chunks. */
  private spill(): void {
    const text = this.text;
    if (text.length === 0) return;
    this.text = '';
    // A UTF-8 character is at most 3 bytes per UTF-16 unit.
    if (this.pos + text.length * 3 > CHUNK_BYTES) {
      this.rotate();
      if (text.length * 3 > CHUNK_BYTES) return this.enqueue(Buffer.from(text));
    }
    this.pos += this.chunk.write(text, this.pos);
  }

  /**
   * Hand what is pending to the file: synchronously when small or when `sync` (process exit), else
   * by the thread pool, after the write in flight (what comes meanwhile waits in memory: a burst
   * that never yields to the event loop is written when it does). At process exit a write still in
   * flight may land after the last lines; the reader takes events in any order.
   */
  flush(sync = false): void {
    // Written when the one in flight is done (its callback flushes again).
    if (this.inFlight && !sync) return;
    this.spill();
    if (this.queued === 0 && this.pos === 0) return;
    try {
      this.fd ??= openSync(this.path, 'a');
    } catch (err) {
      this.queue = [];
      this.queued = 0;
      return this.failed(err);
    }
    const fd = this.fd;
    if (sync || this.queued + this.pos <= SYNC_BYTES) {
      // Written from the chunk in place: a small batch allocates nothing (a fresh 256 KiB buffer
      // per batch added GCs for its external memory).
      const chunks = this.queue;
      this.queue = [];
      this.queued = 0;
      try {
        for (const c of chunks) writeSync(fd, c);
        if (this.pos > 0) writeSync(fd, this.chunk, 0, this.pos);
      } catch (err) {
        this.failed(err);
      }
      this.pos = 0;
      return;
    }
    this.rotate();
    const chunks = this.queue;
    this.queue = [];
    this.queued = 0;
    this.inFlight = new Promise<void>((done) =>
      writev(fd, chunks, (err) => {
        if (err) this.failed(err);
        this.inFlight = undefined;
        done();
        if (this.queued >= SYNC_BYTES) this.flush();
      }),
    );
  }

  /** Wait for the write in flight, write the rest, close. */
  async close(): Promise<void> {
    while (this.inFlight) await this.inFlight;
    this.flush(true);
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private rotate(): void {
    if (this.pos === 0) return;
    this.enqueue(this.chunk.subarray(0, this.pos));
    this.chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    this.pos = 0;
  }

  private enqueue(b: Buffer): void {
    this.queue.push(b);
    this.queued += b.length;
  }
}

/** What a task is, given when it is submitted (a CWL step instance's step and scatter index). */
export interface TaskTags {
  step?: string;
  scatterIndex?: number[];
}

export class RunRecorder {
  readonly dir: string;
  private readonly info: RunInfo;
  private readonly tasks: LineFile;
  private readonly blocks: LineFile;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private warned = false;
  private readonly quotes = new Map<string, string>();
  /** The last `submitted` line, without its closing brace, until the next event (see submitted). */
  private held: string | undefined;
  private heldId = -1;
  private readonly flushAtExit = (): void => this.flush(true);

  constructor(
    dir: string,
    info: Partial<RunInfo> & { executor: string; version: string },
    private readonly warn?: (line: string) => void,
  ) {
    this.dir = resolve(dir);
    mkdirSync(this.dir, { recursive: true });
    const failed = (err: unknown): void => this.failed(err);
    this.tasks = new LineFile(join(this.dir, 'tasks.jsonl'), failed);
    this.blocks = new LineFile(join(this.dir, 'blocks.jsonl'), failed);
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
    let line = `{"e":"submitted","id":${id},"t":${t},"name":${this.quoted(name)}`;
    if (tags?.step !== undefined) line += `,"step":${JSON.stringify(tags.step)}`;
    if (tags?.scatterIndex !== undefined) line += `,"scatterIndex":${JSON.stringify(tags.scatterIndex)}`;
    // Held back one call: a task with no dependencies is launched at once, and its launch then
    // goes on the same line (one line fewer per task, docs/run-record.md).
    this.releaseHeld();
    this.held = line;
    this.heldId = id;
    if (!this.closed) this.schedule();
  }

  ready(id: number): void {
    this.task(`{"e":"ready","id":${id},"t":${Date.now()}}`);
  }

  launched(id: number, attempt: number, executor: string, kind: string): void {
    const fields = `"executor":${this.quoted(executor)},"kind":${this.quoted(kind)}`;
    if (this.heldId === id && attempt === 0) {
      const line = `${this.held},"launchedAt":${Date.now()},${fields}}`;
      this.held = undefined;
      this.heldId = -1;
      this.task(line);
      return;
    }
    this.task(`{"e":"launched","id":${id},"try":${attempt},"t":${Date.now()},${fields}}`);
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
    this.blocks.add(`${JSON.stringify({ e: 'block', t: Date.now(), executor, ...event })}\n`);
    this.schedule();
  }

  /** The workflow's steps and their dependencies (steps.json), written once when the run starts. */
  steps(steps: StepRow[], edges: Array<{ from: string; to: string }>): void {
    this.guard(() => writeFileSync(join(this.dir, 'steps.json'), `${JSON.stringify({ steps, edges })}\n`));
  }

  /** Write what is pending now (`sync`: all of it before returning, as at process exit). */
  flush(sync = false): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.releaseHeld();
    this.tasks.flush(sync);
    this.blocks.flush(sync);
  }

  /** Write everything, mark the run ended with `status` (unless setInfo gave one), stop recording; safe to call twice. */
  async close(status: RunInfo['status']): Promise<void> {
    if (this.closed) return;
    this.releaseHeld();
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    process.removeListener('exit', this.flushAtExit);
    await this.tasks.close();
    await this.blocks.close();
    if (this.info.status === 'running') this.info.status = status;
    this.info.endedAt = Date.now();
    this.writeRunInfo();
  }

  /** App names, executor labels and kinds repeat for every task: quoted once each. */
  private quoted(s: string): string {
    let q = this.quotes.get(s);
    if (q === undefined) {
      q = JSON.stringify(s);
      if (this.quotes.size < 10_000) this.quotes.set(s, q);
    }
    return q;
  }

  /** Write the held `submitted` line as it is (its task was not launched in the same call). */
  private releaseHeld(): void {
    if (this.held === undefined) return;
    const line = `${this.held}}`;
    this.held = undefined;
    this.heldId = -1;
    this.task(line);
  }

  private task(line: string): void {
    if (this.closed) return;
    if (this.held !== undefined) this.releaseHeld();
    this.tasks.add(`${line}\n`);
    if (this.tasks.pending >= FLUSH_BYTES) this.flush();
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

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.failed(err);
    }
  }

  private failed(err: unknown): void {
    if (this.warned) return;
    this.warned = true;
    this.warn?.(`the run record in ${this.dir} could not be written (${(err as Error).message}); the run goes on without it`);
  }
}

/** `,"errorCode":...,"error":...,"outcome":...` of a failure, in the record's terms. */
function errorFields(error: unknown): string {
  const code = typeof (error as { code?: unknown })?.code === 'string' ? ((error as { code: string }).code) : undefined;
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
  const text = message.length > ERROR_CHARS ? `${message.slice(0, ERROR_CHARS)}…` : message;
  // A failed command's stderr tail travels in its error's data (CWL ToolFailedError).
  const tail = (error as { data?: { stderrTail?: unknown } } | undefined)?.data?.stderrTail;
  const stderr = typeof tail === 'string' && tail.length > 0 ? `,"stderrTail":${JSON.stringify(tail.slice(-STDERR_CHARS))}` : '';
  return `,"outcome":"${outcomeOf(code, error)}"${code === undefined ? '' : `,"errorCode":${JSON.stringify(code)}`},"error":${JSON.stringify(text)}${stderr}`;
}

/** A lost worker or pool is `lost`; a shutdown or a caller's abort `cancelled`; anything else `failed`. */
function outcomeOf(code: string | undefined, error: unknown): 'failed' | 'lost' | 'cancelled' {
  if (code === 'PCWL_WORKER_LOST' || code === 'PCWL_MANAGER_LOST') return 'lost';
  if (code === 'PCWL_KERNEL_SHUT_DOWN' || (error instanceof Error && error.name === 'AbortError')) return 'cancelled';
  return 'failed';
}
