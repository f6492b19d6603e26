/**
 * The run directory `runinfo/NNN/` (ARCHITECTURE.md "Where state is kept") and its log. Creating
 * it costs a readdir and a mkdir; the log is a write stream whose lines are buffered by Node, so a
 * kernel load stays cheap enough for `parsl-cwl echo.cwl`.
 */
import { createWriteStream, mkdirSync, readdirSync, type WriteStream } from 'node:fs';
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

/** `runinfo/NNN/parsl.log`: timestamped lines. */
export class RunLog {
  readonly path: string;
  private stream: WriteStream | undefined;

  constructor(runDir: string) {
    this.path = join(runDir, 'parsl.log');
  }

  write(line: string): void {
    if (!this.stream) {
      this.stream = createWriteStream(this.path, { flags: 'a' });
      // A log that cannot be written (folder removed, disk full) must not crash the program.
      this.stream.on('error', () => undefined);
    }
    this.stream.write(`${new Date().toISOString()} ${line}\n`);
  }

  /** Flush and close; safe to call twice. */
  close(): Promise<void> {
    const s = this.stream;
    if (!s) return Promise.resolve();
    this.stream = undefined;
    return new Promise((done) => s.end(done));
  }
}
