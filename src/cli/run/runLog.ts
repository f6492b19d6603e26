/** The run command's log lines on stderr: info unless --quiet, debug only with --debug. */
export class RunLog {
  constructor(
    private readonly quiet: boolean,
    readonly debugEnabled: boolean,
    private readonly stream: NodeJS.WritableStream = process.stderr,
    /** `--timestamps`: each line starts with the time (ISO 8601, UTC). */
    private readonly timestamps = false,
  ) {}

  info(line: string): void {
    if (!this.quiet || this.debugEnabled) this.write(`parsl-cwl: ${line}`);
  }

  warn(line: string): void {
    this.write(`parsl-cwl: warning: ${line}`);
  }

  debug(line: string): void {
    if (this.debugEnabled) this.write(`parsl-cwl: debug: ${line}`);
  }

  private write(line: string): void {
    this.stream.write(this.timestamps ? `${new Date().toISOString()} ${line}\n` : `${line}\n`);
  }
}
