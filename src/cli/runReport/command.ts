/**
 * `parsl-cwl report [RUN] [-o FILE]`: the run record in RUN (a record folder, or a folder of them
 * such as runinfo/, whose newest is taken; by default the newest of the CLI's runs) as one
 * self-contained HTML file (docs/report.md).
 */
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ErrorCode, ParslCwlError } from '../../util/index.js';
import { errorReport } from '../report.js';
import { exitCodeFor, ExitCode } from '../exitCodes.js';
import { reportHtml } from './html.js';
import { ReportWriteError } from './errors.js';
import { stateRunsDir } from '../run/recordDir.js';

export const REPORT_HELP = `usage: parsl-cwl report [RUN] [-o FILE]

Write a run's report: one HTML file that opens from disk, with no network: a summary
(failures first, with their stderr tail and job folder), the workflow graph, a timeline
of tasks per worker and block, per-step durations and resources, and a searchable table.

  RUN          a run record folder (with run.json), or a folder of them (runinfo/),
               whose newest is taken; default: the newest run of the parsl-cwl command
               (${'$'}XDG_STATE_HOME/parsl-cwl/runs, default ~/.local/state/parsl-cwl/runs)
  -o FILE      where to write the report (default: report.html in the current folder)
  -h, --help   this help
`;

/** RUN itself when it holds a record, else its newest sub-folder that does (by run.json's time). */
export function resolveRunDir(run: string): string {
  if (existsSync(path.join(run, 'run.json'))) return run;
  let names: string[] = [];
  try {
    names = readdirSync(run);
  } catch {
    // Not a folder: the reader says so below, with its code.
  }
  const records = names.map((n) => path.join(run, n)).filter((d) => existsSync(path.join(d, 'run.json')));
  records.sort((a, b) => statSync(path.join(b, 'run.json')).mtimeMs - statSync(path.join(a, 'run.json')).mtimeMs);
  return records[0] ?? run;
}

export async function main(argv: string[]): Promise<number> {
  try {
    let run: string | undefined;
    let out = 'report.html';
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i]!;
      if (a === '-h' || a === '--help') {
        process.stdout.write(REPORT_HELP);
        return ExitCode.Success;
      }
      if (a === '-o' || a === '--output') {
        const v = argv[++i];
        if (v === undefined) throw new ParslCwlError(ErrorCode.UsageError, `${a} needs a file name`);
        out = v;
      } else if (a.startsWith('-')) throw new ParslCwlError(ErrorCode.UsageError, `unknown option ${a}; see parsl-cwl report --help`);
      else if (run === undefined) run = a;
      else throw new ParslCwlError(ErrorCode.UsageError, `one RUN only (got ${run} and ${a}); see parsl-cwl report --help`);
    }
    const dir = resolveRunDir(run ?? stateRunsDir());
    const { readRunRecord } = await import('../../dataflow/record/index.js');
    const record = await readRunRecord(dir);
    const html = reportHtml(record);
    try {
      writeFileSync(out, html);
    } catch (err) {
      // The errno code says it all; the cause would add a second line to the one-line error.
      throw new ReportWriteError(out, (err as NodeJS.ErrnoException).code ?? (err as Error).message);
    }
    const failed = record.tasks.filter((t) => t.state === 'failed').length;
    process.stderr.write(`parsl-cwl: report of ${record.dir} (${record.run.status}, ${record.tasks.length} tasks${failed ? `, ${failed} failed` : ''}): ${path.resolve(out)}\n`);
    return ExitCode.Success;
  } catch (err) {
    process.stderr.write(`${errorReport(err, false)}\n`);
    return exitCodeFor(err);
  }
}
