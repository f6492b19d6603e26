/**
 * Live progress of a run on stderr (README, "Progress and the run record"). On a terminal: a bar
 * with the tasks by state, the rate and an ETA, redrawn in place and erased at the end so the next
 * message starts on a clean line. Not a terminal (a log, a pipe, CI): a plain line now and then,
 * only for runs long enough to need one, so short runs and the tests that read stderr stay clean.
 * `--quiet` turns both off.
 */

/** Tasks of the run's kernel by state, as the display groups them. */
export interface ProgressCounts {
  /** Submitted so far (more may come: a workflow submits a step's instances when its inputs are ready). */
  total: number;
  /** Waiting for their dependencies or a retry. */
  waiting: number;
  /** Handed to the executor, not started yet (Parsl's `launched`; HTEX tasks stay here until they end). */
  queued: number;
  running: number;
  done: number;
  failed: number;
}

export interface ProgressOptions {
  stream?: NodeJS.WriteStream | NodeJS.WritableStream;
  /** Draw on a terminal (default: the stream's isTTY). */
  tty?: boolean;
  /** First draw after this long (default: 500 ms on a terminal, 10 s otherwise). */
  firstMs?: number;
  /** Then every this long (default: 250 ms on a terminal, 10 s otherwise). */
  everyMs?: number;
}

/** How far back the rate looks (finished tasks per second over this window). */
const RATE_WINDOW_MS = 10_000;

export class ProgressLine {
  private timer: NodeJS.Timeout | undefined;
  private shown = false;
  private readonly started = Date.now();
  private detail: (() => string) | undefined;
  private counts: (() => ProgressCounts) | undefined;
  /** (time, finished) samples for the rate. */
  private samples: Array<[number, number]> = [];
  private readonly stream: NodeJS.WriteStream | NodeJS.WritableStream;
  private readonly tty: boolean;
  private readonly firstMs: number;
  private readonly everyMs: number;

  constructor(
    private readonly label: string,
    options: ProgressOptions = {},
  ) {
    this.stream = options.stream ?? process.stderr;
    this.tty = options.tty ?? (this.stream as NodeJS.WriteStream).isTTY === true;
    this.firstMs = options.firstMs ?? (this.tty ? 500 : 10_000);
    this.everyMs = options.everyMs ?? (this.tty ? 250 : 10_000);
  }

  start(): this {
    this.samples = [[this.started, 0]];
    this.timer = setTimeout(() => {
      this.draw();
      this.timer = setInterval(() => this.draw(), this.everyMs);
      this.timer.unref();
    }, this.firstMs);
    this.timer.unref();
    return this;
  }

  /** What to add after the counts, read at every redraw (a workflow's steps still waiting). */
  setDetail(describe: () => string): void {
    this.detail = describe;
  }

  /** Where the task counts come from (the run's kernel, once it is loaded). */
  setCounts(counts: () => ProgressCounts): void {
    this.counts = counts;
  }

  private draw(): void {
    const now = Date.now();
    const secs = (now - this.started) / 1000;
    const c = this.counts?.();
    const rate = c ? this.rate(now, c.done + c.failed) : undefined;
    const detail = this.detail?.();
    if (this.tty) {
      // A terminal that reports no size (0 columns, e.g. a pseudo-terminal nobody sized) counts as 80.
      const width = Math.max(40, ((this.stream as NodeJS.WriteStream).columns || 80) - 1);
      this.stream.write(`\r\x1b[2K${fit(progressText(this.label, secs, c, rate, detail, true), width)}`);
      this.shown = true;
    } else {
      this.stream.write(`${progressText(this.label, secs, c, rate, detail, false)}\n`);
    }
  }

  /** Finished tasks per second over the last RATE_WINDOW_MS. */
  private rate(now: number, finished: number): number | undefined {
    this.samples.push([now, finished]);
    while (this.samples.length > 2 && (this.samples[1] as [number, number])[0] <= now - RATE_WINDOW_MS) this.samples.shift();
    const [t0, f0] = this.samples[0] as [number, number];
    return now > t0 ? ((finished - f0) * 1000) / (now - t0) : undefined;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.shown) this.stream.write('\r\x1b[2K');
    this.shown = false;
  }
}

/**
 * One progress line: `parsl-cwl: wf.cwl 14 s [#####-----] 120/2000 done, 4 running, 30 launched,
 * 85/s, ETA 22 s`; the bar only on a terminal. What matters most comes first: a narrow terminal
 * cuts the end.
 */
export function progressText(label: string, secs: number, c: ProgressCounts | undefined, rate: number | undefined, detail: string | undefined, bar: boolean): string {
  const head = `parsl-cwl: ${label} ${duration(secs)}`;
  if (!c) return detail ? `${head} running ${detail}` : `${head} running`;
  const finished = c.done + c.failed;
  const parts = [`${c.done}/${c.total} done`, `${c.running} running`];
  if (c.queued > 0) parts.push(`${c.queued} launched`);
  if (c.waiting > 0) parts.push(`${c.waiting} waiting`);
  if (c.failed > 0) parts.push(`${c.failed} failed`);
  if (rate !== undefined && rate > 0) {
    parts.push(`${rate >= 10 ? Math.round(rate) : rate.toFixed(1)}/s`);
    const left = c.total - finished;
    if (left > 0) parts.push(`ETA ${duration(left / rate)}`);
  }
  if (detail) parts.push(detail);
  return `${head}${bar ? ` ${progressBar(c.total > 0 ? finished / c.total : 0, 20)}` : ''} ${parts.join(', ')}`;
}

function progressBar(fraction: number, width: number): string {
  const full = Math.min(width, Math.round(fraction * width));
  return `[${'#'.repeat(full)}${'-'.repeat(width - full)}]`;
}

/** 42 s, 3 min 05 s, 2 h 01 min. */
function duration(secs: number): string {
  const s = Math.round(secs);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** Cut a line to the terminal's width, so a redraw never wraps (a wrapped line cannot be erased with \r). */
function fit(line: string, width: number): string {
  return line.length <= width ? line : `${line.slice(0, width - 1)}…`;
}
