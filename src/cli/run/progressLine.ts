/**
 * A one-line "still running" indicator on stderr for long runs, only when stderr is a terminal
 * (never in logs or pipes). It appears after a second, redraws in place, and is erased at the end
 * so the next message starts on a clean line.
 */
export class ProgressLine {
  private timer: NodeJS.Timeout | undefined;
  private shown = false;
  private readonly started = Date.now();
  private detail: (() => string) | undefined;

  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  start(): this {
    if (!this.stream.isTTY) return this;
    this.timer = setInterval(() => this.draw(), 1000);
    this.timer.unref();
    return this;
  }

  /** What to add after the elapsed time, read at every redraw (a workflow's steps done/running/waiting). */
  setDetail(describe: () => string): void {
    this.detail = describe;
  }

  private draw(): void {
    const secs = Math.round((Date.now() - this.started) / 1000);
    const detail = this.detail ? `: ${this.detail()}` : '';
    this.stream.write(`\r\x1b[2Kparsl-cwl: running ${this.label} (${secs} s)${detail}`);
    this.shown = true;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.shown) this.stream.write('\r\x1b[2K');
    this.shown = false;
  }
}
