/**
 * The writer of a run's record (docs/run-record.md): `run.json` (what ran, its status), and the
 * append-only event logs `tasks.jsonl` and `blocks.jsonl`, one JSON object per line.
 *
 * Why JSON Lines: append-only lines hold a run of 1,000,000 tasks with one sequential write per
 * batch and nothing to keep in memory after a batch is written; a killed run leaves every batch
 * written so far readable (a torn last line is skipped by the reader); any language reads it; and
 * no native module is needed (SQLite bindings must be built per Node version, CI runs 20 to 26).
 *
 * Off the hot path: a task event stores a few numbers in typed arrays (its code, the task id, the
 * time, an attempt or an index into a table of quoted names), no string, object or closure; the
 * lines are formatted from them in one loop when the current burst is over (a timer), when a
 * million events are waiting, at shutdown and at process exit. A small batch is one synchronous
 * write (a one-tool run starts no libuv thread for it, as the run log, runDir.ts); a large one goes
 * to libuv's thread pool, so a burst of thousands of tasks does not wait for the disk (measured: a
 * synchronous append of the batches cost 3-10 us per no-op task on this VM,
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
  /** The first free byte of `chunk` (advanced by the formatter after `room`). */
  pos = 0;
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

  /**
   * Room for `n` bytes written straight into the current chunk at `pos` (the caller advances
   * `pos`); lines gathered as a string go first, so lines stay in order.
   */
  room(n: number): Buffer {
    if (this.text.length > 0) this.spill();
    if (this.pos + n > this.chunk.length) {
      this.rotate();
      // A line longer than a chunk (an app name of 100,000 characters) gets a chunk of its own.
      if (n > this.chunk.length) this.chunk = Buffer.allocUnsafe(n);
    }
    return this.chunk;
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

/** Task event codes in the event buffer (see EventBuffer). */
const SUBMITTED = 0;
const LAUNCHED = 1;
const READY = 2;
const RUNNING = 3;
const ENDED = 4;
const REPORT = 5;
const TRY_FAILED = 6;

/** Events per segment of the event buffer (about 21 bytes each in typed arrays). */
const SEGMENT_EVENTS = 8192;
/** Buffered events that make the recorder format and write at once (bounded memory in a long synchronous burst: about 22 MB). */
const FLUSH_EVENTS = 1 << 20;

/**
 * A run of task events as primitives in typed arrays: the hot path stores a code, the task id, the
 * time and two small integers (an attempt, an index into an interned table, or an index into
 * `refs` for the rare event that carries an object: tags, a report, an error). No string, closure
 * or object is made per event; lines are formatted when the batch is flushed.
 */
class Segment {
  readonly code = new Uint8Array(SEGMENT_EVENTS);
  readonly id = new Float64Array(SEGMENT_EVENTS);
  readonly t = new Float64Array(SEGMENT_EVENTS);
  readonly x = new Int32Array(SEGMENT_EVENTS);
  readonly y = new Int32Array(SEGMENT_EVENTS);
  refs: unknown[] = [];
  n = 0;
}

export class RunRecorder {
  readonly dir: string;
  private readonly info: RunInfo;
  private readonly tasks: LineFile;
  private readonly blocks: LineFile;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private warned = false;
  /** Full segments waiting for the flush, in order, then the one being filled. */
  private full: Segment[] = [];
  private seg = new Segment();
  /** Emptied segments kept for reuse (a steady stream of tasks allocates none). */
  private spare: Segment[] = [];
  private buffered = 0;
  /** Interned quoted strings: app names; `"executor":..,"kind":..` pairs; states. */
  private readonly names: Buffer[] = [];
  private readonly nameIndex = new Map<string, number>();
  private lastName: string | undefined;
  private lastNameIdx = -1;
  private readonly places: Buffer[] = [];
  private readonly placeIndex = new Map<string, number>();
  private lastExecutor: string | undefined;
  private lastKind: string | undefined;
  private lastPlaceIdx = -1;
  private readonly states: string[] = [];
  private readonly encoder = new LineEncoder();
  private readonly flushAtExit = (): void => this.flush(true);
  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.flush();
  };

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
    let nameIdx = this.lastNameIdx;
    if (name !== this.lastName) {
      nameIdx = this.intern(name);
      this.lastName = name;
      this.lastNameIdx = nameIdx;
    }
    // CWL step instances carry tags; their lines cost far less than the command they run.
    this.push(SUBMITTED, id, t, nameIdx, tags === undefined || (tags.step === undefined && tags.scatterIndex === undefined) ? -1 : this.ref(tags));
  }

  ready(id: number): void {
    this.push(READY, id, Date.now(), 0, -1);
  }

  launched(id: number, attempt: number, executor: string, kind: string): void {
    let place = this.lastPlaceIdx;
    if (executor !== this.lastExecutor || kind !== this.lastKind) {
      place = this.place(executor, kind);
      this.lastExecutor = executor;
      this.lastKind = kind;
      this.lastPlaceIdx = place;
    }
    // Launched in the call that submitted it (no dependencies): its submission's time, the same
    // millisecond but for a clock tick, saves a clock read per task.
    const seg = this.seg;
    const j = seg.n - 1;
    const t = j >= 0 && seg.code[j] === SUBMITTED && seg.id[j] === id ? (seg.t[j] as number) : Date.now();
    this.push(LAUNCHED, id, t, attempt, place);
  }

  running(id: number, attempt: number): void {
    this.push(RUNNING, id, Date.now(), attempt, -1);
  }

  /** Kept as the object until the flush formats it (the executor hands over a fresh one per try). */
  report(id: number, attempt: number, report: TaskRunReport): void {
    this.push(REPORT, id, 0, attempt, this.ref(report));
  }

  /** A try failed and the task will be tried again. */
  tryFailed(id: number, attempt: number, error: unknown): void {
    this.push(TRY_FAILED, id, Date.now(), attempt, this.ref(error));
  }

  /** The task reached its final state. */
  ended(id: number, state: string, error: unknown): void {
    let s = this.states.indexOf(state);
    if (s < 0) s = this.states.push(state) - 1;
    this.push(ENDED, id, Date.now(), s, error === undefined ? -1 : this.ref(error));
  }

  block(executor: string, event: BlockEvent): void {
    if (this.closed) return;
    this.blocks.add(`${JSON.stringify({ e: 'block', t: Date.now(), executor, ...event })}\n`);
    this.schedule();
  }

  /** The workflow's steps and their dependencies (steps.json), written once when the run starts. */
  steps(steps: StepRow[], edges: Array<{ from: string; to: string }>): void {
    this.guard(() => writeFileSync(join(this.dir, 'steps.json'), `${JSON.stringify({ steps, edges })}\n`));
  }

  /** Format and write what is pending now (`sync`: all of it before returning, as at process exit). */
  flush(sync = false): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.format();
    this.tasks.flush(sync);
    this.blocks.flush(sync);
  }

  /** Write everything, mark the run ended with `status` (unless setInfo gave one), stop recording; safe to call twice. */
  async close(status: RunInfo['status']): Promise<void> {
    if (this.closed) return;
    this.format();
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

  /** The hot path: five stores into typed arrays, and a segment change every SEGMENT_EVENTS events. */
  private push(code: number, id: number, t: number, x: number, y: number): void {
    if (this.closed) return;
    let seg = this.seg;
    if (seg.n === SEGMENT_EVENTS) seg = this.nextSegment();
    const i = seg.n++;
    seg.code[i] = code;
    seg.id[i] = id;
    seg.t[i] = t;
    seg.x[i] = x;
    seg.y[i] = y;
    if (++this.buffered >= FLUSH_EVENTS) this.flush();
    else if (this.timer === undefined) this.schedule();
  }

  private nextSegment(): Segment {
    this.full.push(this.seg);
    const seg = this.spare.pop() ?? new Segment();
    this.seg = seg;
    return seg;
  }

  /** An object an event carries, kept in its segment until the flush. */
  private ref(value: unknown): number {
    let seg = this.seg;
    // The ref must live in the segment the event goes to.
    if (seg.n === SEGMENT_EVENTS) seg = this.nextSegment();
    return seg.refs.push(value) - 1;
  }

  /** App names repeat for every task: quoted once each. */
  private intern(name: string): number {
    let i = this.nameIndex.get(name);
    if (i === undefined) {
      i = this.names.push(Buffer.from(JSON.stringify(name))) - 1;
      this.nameIndex.set(name, i);
    }
    return i;
  }

  /** An executor label and kind, as the `"executor":..,"kind":..` fields, quoted once per pair. */
  private place(executor: string, kind: string): number {
    const key = `${executor}\u0000${kind}`;
    let i = this.placeIndex.get(key);
    if (i === undefined) {
      i = this.places.push(Buffer.from(`,"executor":${JSON.stringify(executor)},"kind":${JSON.stringify(kind)}}\n`)) - 1;
      this.placeIndex.set(key, i);
    }
    return i;
  }

  /**
   * Format the buffered events as lines, in the order they happened, and hand them to the file. A
   * `submitted` event followed at once by its task's first `launched` (a task with no dependencies
   * launches in the same call) becomes one line (docs/run-record.md).
   */
  private format(): void {
    if (this.buffered === 0) return;
    const segs = this.full;
    segs.push(this.seg);
    this.full = [];
    this.seg = this.spare.pop() ?? new Segment();
    this.buffered = 0;
    const file = this.tasks;
    const names = this.names;
    const places = this.places;
    const states = this.states;
    const enc = this.encoder;
    let held = -1; // the index in `heldSeg` of a `submitted` event not yet written (its launch may follow)
    let heldSeg: Segment | undefined;
    for (const seg of segs) {
      const { code, id, t, x, y, refs } = seg;
      for (let i = 0; i < seg.n; i++) {
        const c = code[i] as number;
        const k = id[i] as number;
        if (heldSeg !== undefined) {
          const fuse = c === LAUNCHED && heldSeg.id[held] === k && x[i] === 0;
          enc.submitted(file, heldSeg, held, names, fuse ? t[i] as number : -1, fuse ? places[y[i] as number] : undefined);
          heldSeg = undefined;
          if (fuse) continue;
        }
        switch (c) {
          case SUBMITTED:
            held = i;
            heldSeg = seg;
            break;
          case LAUNCHED:
            enc.simple(file, enc.launched, k, t[i] as number, x[i] as number, places[y[i] as number], undefined);
            break;
          case READY:
            enc.simple(file, enc.ready, k, t[i] as number, -1, undefined, undefined);
            break;
          case RUNNING:
            enc.simple(file, enc.running, k, t[i] as number, x[i] as number, undefined, undefined);
            break;
          case ENDED: {
            const r = y[i] as number;
            if (r < 0) enc.simple(file, enc.ended, k, t[i] as number, -1, undefined, enc.stateBytes(x[i] as number, states));
            else file.add(`{"e":"ended","id":${k},"t":${t[i]},"state":"${states[x[i] as number]}"${errorFields(refs[r])}}\n`);
            break;
          }
          case REPORT:
            enc.report(file, k, x[i] as number, refs[y[i] as number] as Record<string, unknown>);
            break;
          case TRY_FAILED:
            file.add(`{"e":"try_failed","id":${k},"try":${x[i]},"t":${t[i]}${errorFields(refs[y[i] as number])}}\n`);
            break;
        }
      }
      // Its refs are read by a held `submitted` below; the segment is recycled after that.
      if (heldSeg !== seg) this.recycle(seg);
    }
    if (heldSeg !== undefined) {
      enc.submitted(file, heldSeg, held, names, -1, undefined);
      this.recycle(heldSeg);
    }
  }

  private recycle(seg: Segment): void {
    seg.n = 0;
    seg.refs = [];
    if (this.spare.length < 4) this.spare.push(seg);
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(this.onTimer, FLUSH_MS);
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

/**
 * Task event lines written as bytes straight into the file's chunk: constant parts copied from
 * buffers encoded once, integers as ASCII digits. Strings built per line, then encoded, were most
 * of the record's cost (a profile of bench:kernel: a third of the time in the GC, a ninth in
 * Buffer.write; docs/run-record.md).
 */
class LineEncoder {
  readonly launched = Buffer.from('{"e":"launched","id":');
  readonly ready = Buffer.from('{"e":"ready","id":');
  readonly running = Buffer.from('{"e":"running","id":');
  readonly ended = Buffer.from('{"e":"ended","id":');
  private readonly submittedHead = Buffer.from('{"e":"submitted","id":');
  private readonly tryField = Buffer.from(',"try":');
  private readonly tField = Buffer.from(',"t":');
  private readonly nameField = Buffer.from(',"name":');
  private readonly launchedAtField = Buffer.from(',"launchedAt":');
  private readonly close = Buffer.from('}\n');
  private readonly states: Buffer[] = [];
  /** The digits of the last time written: consecutive events mostly share their millisecond. */
  private lastT = -1;
  private readonly tDigits = Buffer.alloc(24);
  private tLen = 0;

  /** `,"state":"<state>"}\n`, encoded once per state. */
  stateBytes(s: number, states: string[]): Buffer {
    return (this.states[s] ??= Buffer.from(`,"state":${JSON.stringify(states[s])}}\n`));
  }

  /** `<head><id>[,"try":<attempt>],"t":<t><tail>`; the tail is `}\n` when not given. */
  simple(file: LineFile, head: Buffer, id: number, t: number, attempt: number, tail: Buffer | undefined, tail2: Buffer | undefined): void {
    const end = tail ?? tail2 ?? this.close;
    const b = file.room(head.length + end.length + 96);
    let p = copy(b, file.pos, head);
    p = putNumber(b, p, id);
    if (attempt >= 0) {
      p = copy(b, p, this.tryField);
      p = putNumber(b, p, attempt);
    }
    p = copy(b, p, this.tField);
    p = this.putTime(b, p, t);
    file.pos = copy(b, p, end);
  }

  /** A `submitted` line, with its first launch (`launchedAt`, `place`) when it came next. */
  submitted(file: LineFile, seg: Segment, i: number, names: Buffer[], launchedAt: number, place: Buffer | undefined): void {
    const name = names[seg.x[i] as number] as Buffer;
    const r = seg.y[i] as number;
    const tags = r < 0 ? undefined : Buffer.from(tagFields(seg.refs[r] as TaskTags));
    const b = file.room(name.length + (tags?.length ?? 0) + (place?.length ?? 0) + 160);
    let p = copy(b, file.pos, this.submittedHead);
    p = putNumber(b, p, seg.id[i] as number);
    p = copy(b, p, this.tField);
    p = this.putTime(b, p, seg.t[i] as number);
    p = copy(b, p, this.nameField);
    p = copy(b, p, name);
    if (tags) p = copy(b, p, tags);
    if (place) {
      p = copy(b, p, this.launchedAtField);
      p = this.putTime(b, p, launchedAt);
      p = copy(b, p, place);
    } else p = copy(b, p, this.close);
    file.pos = p;
  }

  private readonly reportHead = Buffer.from('{"e":"report","id":');
  /** Quoted report keys, and short string values that repeat (block, pool, worker ids). */
  private readonly quoted = new Map<string, Buffer>();

  /** `{"e":"report","id":..,"try":..,<the report's fields>}`: the fields as JSON.stringify writes them, without a string per report. */
  report(file: LineFile, id: number, attempt: number, report: Record<string, unknown>): void {
    let b = file.room(this.reportHead.length + 64);
    let p = copy(b, file.pos, this.reportHead);
    p = putNumber(b, p, id);
    p = copy(b, p, this.tryField);
    p = putNumber(b, p, attempt);
    for (const key of Object.keys(report)) {
      const v = report[key];
      const kind = typeof v;
      if (v === undefined || kind === 'function' || kind === 'symbol') continue;
      const k = this.quote(key);
      const value = kind === 'number' ? undefined : kind === 'string' && (v as string).length <= 64 ? this.quote(v as string) : Buffer.from(JSON.stringify(v));
      file.pos = p;
      b = file.room(k.length + (value?.length ?? 32) + 4);
      p = file.pos;
      b[p++] = 44; // ,
      p = copy(b, p, k);
      b[p++] = 58; // :
      p = value === undefined ? putNumber(b, p, v as number) : copy(b, p, value);
    }
    file.pos = p;
    b = file.room(2);
    file.pos = copy(b, file.pos, this.close);
  }

  private quote(s: string): Buffer {
    let q = this.quoted.get(s);
    if (q === undefined) {
      q = Buffer.from(JSON.stringify(s));
      if (this.quoted.size < 10_000) this.quoted.set(s, q);
    }
    return q;
  }

  private putTime(b: Buffer, p: number, t: number): number {
    if (t !== this.lastT) {
      this.lastT = t;
      this.tLen = putNumber(this.tDigits, 0, t);
    }
    for (let j = 0; j < this.tLen; j++) b[p + j] = this.tDigits[j] as number;
    return p + this.tLen;
  }
}

/** Copy `src` into `b` at `p`; short constants by hand (cheaper than a native call each). */
function copy(b: Buffer, p: number, src: Buffer): number {
  const n = src.length;
  if (n > 48) return p + src.copy(b, p);
  for (let j = 0; j < n; j++) b[p + j] = src[j] as number;
  return p + n;
}

/** A number as JSON: a non-negative safe integer digit by digit, anything else through String(). */
function putNumber(b: Buffer, p: number, v: number): number {
  if (!(Number.isSafeInteger(v) && v >= 0)) return p + b.write(JSON.stringify(v), p, 'latin1');
  let digits = 1;
  for (let q = v; q >= 10; q = Math.floor(q / 10)) digits++;
  let q = v;
  for (let j = p + digits - 1; j >= p; j--) {
    const d = q % 10;
    b[j] = 48 + d;
    q = (q - d) / 10;
  }
  return p + digits;
}

/** `,"step":...,"scatterIndex":...` of a CWL step instance. */
function tagFields(tags: TaskTags): string {
  let s = '';
  if (tags.step !== undefined) s += `,"step":${JSON.stringify(tags.step)}`;
  if (tags.scatterIndex !== undefined) s += `,"scatterIndex":${JSON.stringify(tags.scatterIndex)}`;
  return s;
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
