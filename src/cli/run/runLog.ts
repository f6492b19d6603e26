/** The run command's log lines on stderr: info unless --quiet, debug only with --debug. */
export class RunLog {
  constructor(
    private readonly quiet: boolean,
    readonly debugEnabled: boolean,
    private readonly stream: NodeJS.WritableStream = process.stderr,
  ) {}

  info(line: string): void {
    if (!this.quiet || this.debugEnabled) this.stream.write(`parsl-cwl: ${line}\n`);
  }

  warn(line: string): void {
    this.stream.write(`parsl-cwl: warning: ${line}\n`);
  }

  debug(line: string): void {
    if (this.debugEnabled) this.stream.write(`parsl-cwl: debug: ${line}\n`);
  }
}
