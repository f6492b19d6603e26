/**
 * `parsl-cwl cache list|prune --older-than D|clear [--cachedir DIR]`: look after the job cache
 * (docs/cache.md). The folder is --cachedir, else the documented default (src/cwl/cache/location.ts).
 */
import path from 'node:path';
import { ErrorCode, ParslCwlError } from '../util/index.js';
import { clearEntries, defaultCacheDir, listEntries, pruneEntries } from '../cwl/cache/index.js';
import { errorReport } from './report.js';
import { exitCodeFor, ExitCode } from './exitCodes.js';

const HELP = `usage: parsl-cwl cache list|prune --older-than D|clear [--cachedir DIR]

The job cache that runs with --cachedir DIR use (docs/cache.md).
  list                  one line per entry: created, size, files, key, job name; then the total
  prune --older-than D  remove entries made more than D ago (D: 30d, 12h, 90m, 45s; a bare
                        number is days) and unfinished entries older than D
  clear                 remove every entry
  --cachedir DIR        the cache folder (default: $PARSL_CWL_CACHE_DIR/jobs, else
                        $XDG_CACHE_HOME/parsl-cwl/jobs, else ~/.cache/parsl-cwl/jobs)
`;

export async function main(argv: string[]): Promise<number> {
  try {
    return run(argv);
  } catch (err) {
    process.stderr.write(`${errorReport(err, false)}\n`);
    return exitCodeFor(err);
  }
}

function run(argv: string[]): number {
  let command: string | undefined;
  let dir: string | undefined;
  let olderThan: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw usage(`${name} needs a value`);
      return v;
    };
    if (name === '-h' || name === '--help') {
      process.stdout.write(HELP);
      return ExitCode.Success;
    } else if (name === '--cachedir') dir = value();
    else if (name === '--older-than') olderThan = durationMs(value());
    else if (!name.startsWith('-') && command === undefined) command = name;
    else throw usage(`unexpected '${arg}'`);
  }
  const root = path.resolve(dir ?? defaultCacheDir());
  switch (command) {
    case 'list': {
      const { entries, partial } = listEntries(root);
      let total = 0;
      for (const e of entries) {
        total += e.bytes;
        process.stdout.write(`${e.created.toISOString()}  ${size(e.bytes).padStart(9)}  ${String(e.files).padStart(4)} files  ${e.key.slice(0, 16)}  ${e.name}\n`);
      }
      process.stdout.write(`${entries.length} entries, ${size(total)} in ${root}${partial.length ? `; ${partial.length} unfinished (prune removes them)` : ''}\n`);
      return ExitCode.Success;
    }
    case 'prune': {
      if (olderThan === undefined) throw usage('prune needs --older-than D (30d, 12h, 90m, 45s)');
      const { removed, bytes } = pruneEntries(root, new Date(Date.now() - olderThan));
      process.stdout.write(`removed ${removed} entries (${size(bytes)}) from ${root}\n`);
      return ExitCode.Success;
    }
    case 'clear': {
      const n = clearEntries(root);
      process.stdout.write(`removed ${n} entries from ${root}\n`);
      return ExitCode.Success;
    }
    default:
      throw usage(command === undefined ? 'give a command: list, prune --older-than D or clear' : `unknown cache command '${command}'; use list, prune or clear`);
  }
}

/** `30d`, `12h`, `90m`, `45s` or a bare number of days, in ms. */
function durationMs(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([dhms]?)$/.exec(text);
  if (!m) throw usage(`--older-than needs a duration such as 30d, 12h, 90m or 45s, not '${text}'`);
  const unit = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, '': 86_400_000 }[m[2] as 'd' | 'h' | 'm' | 's' | ''];
  return Number(m[1]) * unit;
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}

function usage(message: string): ParslCwlError {
  return new ParslCwlError(ErrorCode.UsageError, `${message} (parsl-cwl cache --help)`);
}
