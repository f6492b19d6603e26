/**
 * The runner under test as an argv: `--runner "cwltool --no-container"` split like a shell would
 * (quotes and backslashes, no expansion), or parsl-cwl itself: the installed command
 * `<package>/bin/parsl-cwl`, so the suite runs the code users run (the bundled run path).
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConformanceUsageError, RunnerNotFoundError } from './errors.js';
import { packageRoot } from './suiteLocation.js';

export interface RunnerCommand {
  argv: string[];
  /** How reports name the runner. */
  label: string;
}

/** parsl-cwl's own runner: its installed command (which starts the `node` on PATH). */
export function defaultRunner(root: string = packageRoot()): RunnerCommand {
  return { argv: [path.join(root, 'bin', 'parsl-cwl')], label: 'parsl-cwl' };
}

/** Splits a command string into words: '…' keeps everything, "…" and \ escape, whitespace separates. */
export function splitCommand(command: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < command.length; i++) {
    const c = command.charAt(i);
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < command.length && '"\\$`'.includes(command.charAt(i + 1))) word += command.charAt(++i);
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < command.length) {
      word += command.charAt(++i);
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote !== undefined) throw new ConformanceUsageError(`--runner has an unterminated ${quote} quote: ${command}`);
  if (inWord) words.push(word);
  if (words.length === 0) throw new ConformanceUsageError('--runner is empty');
  return words;
}

/** The `--runner` value as a command (see resolveRunner for finding its program). */
export function parseRunner(command: string): RunnerCommand {
  const argv = splitCommand(command);
  return { argv, label: command.trim() };
}

/**
 * Checks before any test runs that the runner's program exists and is executable, and makes a
 * relative program path absolute (the runner's working directory is the suite folder, not ours).
 */
export function resolveRunner(runner: RunnerCommand): RunnerCommand {
  const [program, ...args] = runner.argv;
  if (program === undefined) throw new RunnerNotFoundError(runner.argv);
  const resolved = program.includes('/') ? (isExecutable(path.resolve(program)) ? path.resolve(program) : undefined) : findOnPath(program);
  if (resolved === undefined) throw new RunnerNotFoundError(runner.argv);
  // parsl-cwl's entry script must exist too, or every test would fail the same way.
  const script = args[0];
  if (program === process.execPath && script !== undefined && script.endsWith('.js') && !existsSync(script)) throw new RunnerNotFoundError(runner.argv);
  return { argv: [resolved, ...args], label: runner.label };
}

function findOnPath(program: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, program);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** A command as a copy-pasteable shell line (for failure reports). */
export function shellQuote(argv: string[]): string {
  return argv.map((word) => (/^[\w@%+=:,./#-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`)).join(' ');
}
