/**
 * The run directory `runinfo/NNN/` (docs/architecture.md, "Where state is kept") and its log. Creating
 * it costs a readdir and a mkdir; the log's lines are buffered (RunLog), so a kernel load stays
 * cheap enough for `parsl-cwl echo.cwl`.
 */
import { appendFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Create the next numbered run folder under `base` (000, 001, ...); safe against concurrent kernels. */
export function createRunDir(base: string): string {
  const absBase = resolve(base);
  mkdirSync(absBase, { recursive: true });
  let next = 0;
  for (const name of readdirSync(absBase)) {
    if (/^\d+$/.test(name)) next = Math.max(next, Number(name) + 1);
  }
  for (;;) {
    const dir = join(absBase, String(next).padStart(3, '0'));
    try {
      mkdirSync(dir);
      return dir;
    } catch (err) {
      // Another kernel took this number between our readdir and mkdir: take the next one.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      next++;
    }
  }
}

/**
 * `runinfo/NNN/parsl.log`: timestamped lines. Lines are kept in memory and written together with
 * one synchronous append when the current burst of work is over (a timer of FLUSH_MS), on close
 * and at process exit: a write stream would pay a thread-pool round trip per burst and start
 * libuv's threads in a run that needs none (a one-tool run), and a scatter logs several lines per
 * task. A log that cannot be written (folder removed, disk full) never fails the program.
 */
const FLUSH_MS = 200;

export class RunLog {
  readonly path: string;
  private pending: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly flushAtExit = () => this.flush();

  constructor(runDir: string) {
    this.path = join(runDir, 'parsl.log');
  }

  write(line: string): void {
    if (this.closed) return;
    if (this.pending.length === 0) process.once('exit', this.flushAtExit);
    this.pending.push(`${new Date().toISOString()} ${line}\n`);
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), FLUSH_MS);
      // The log never keeps a program alive; exit and close flush what is left.
      this.timer.unref();
    }
  }

  /** Append what is pending now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    process.removeListener('exit', this.flushAtExit);
    try {
      appendFileSync(this.path, text);
    } catch {
      // See the class comment.
    }
  }

  /** Flush and stop logging; safe to call twice. */
  close(): Promise<void> {
    this.flush();
    this.closed = true;
    return Promise.resolve();
  }
}
