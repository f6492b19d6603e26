/**
 * How every CLI entry ends: the command's exit code becomes the process's, and an error that escaped
 * the command is reported in one line (a stack trace only with --debug). Shared by the ESM entry
 * (main.ts) and the bundled run entry (runEntry.ts) so both behave the same.
 */
import { errorReport } from './report.js';

export interface SettleOptions {
  /**
   * Exit as soon as the command's promise settles and stdout and stderr are flushed, instead of
   * when Node's event loop runs dry. For a run: everything it started has ended or been awaited by
   * then (the kernel is shut down, the caches are written synchronously), and 'exit' handlers
   * still run (the kernel log's last lines, the code cache, the process supervisor's clean-up). What it
   * saves is Node's own tear-down of the heap and its handles, a few per cent of a small tool's run.
   * Not for the long-running subcommands (pool, interchange), whose sockets and children close in
   * their own time.
   */
  exitWhenSettled?: boolean;
}

export function settle(result: Promise<number>, argv: readonly string[], options: SettleOptions = {}): void {
  result.then(
    (code) => end(code, options),
    (err: unknown) => {
      process.stderr.write(errorReport(err, argv.includes('--debug')) + '\n');
      end(1, options);
    },
  );
}

function end(code: number, options: SettleOptions): void {
  process.exitCode = code;
  if (!options.exitWhenSettled) return;
  // Standard streams that are pipes are asynchronous here despite Node's "A note on process I/O":
  // a large output object (a 2,000-way scatter's is ~600 KB) is still queued when the run ends. An
  // empty write's callback runs once everything written before it is out (or failed: a reader
  // that went away must not keep us alive either). Both streams exist by now: the run wrote its
  // result to stdout, and its log opened stderr.
  let waiting = 2;
  const done = () => {
    if (--waiting === 0) process.exit(code);
  };
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.writableLength === 0 || stream.destroyed) done();
    else stream.write('', () => done());
  }
}
