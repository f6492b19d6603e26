/**
 * The tool's standard streams (CommandLineTool.yml §stdin, §stdout, §stderr) and the `stdin`,
 * `stdout` and `stderr` type shortcuts, which are rewritten here to what the spec says they mean:
 * a File input piped to stdin, and File outputs globbing the capture file.
 */
import { stringifyJson, randomHex } from '../../util/index.js';
import path from 'node:path';
import { DocumentInvalidError } from '../errors.js';
import { isFile, type CommandLineTool, type OutputParameter } from '../model.js';
import { isExpression, type EvalContext, type Evaluate } from './evaluation.js';

export interface Streams {
  /** Absolute path of the file piped to stdin, if any. */
  stdin?: string;
  /** Absolute paths of the capture files in the output directory, if the tool captures them. */
  stdout?: string;
  stderr?: string;
}

/**
 * Resolve the stream file names and return the tool with `stdout`/`stderr` typed outputs rewritten to
 * File outputs that glob the capture file (§stdout: "random_stdout_filenameABCDEFG").
 */
export async function resolveStreams(
  tool: CommandLineTool,
  outdir: string,
  evaluate: Evaluate,
  context: EvalContext,
): Promise<{ tool: CommandLineTool; streams: Streams }> {
  const streams: Streams = {};
  let stdoutName = await captureName(tool.stdout, 'stdout', evaluate, context);
  let stderrName = await captureName(tool.stderr, 'stderr', evaluate, context);
  const usesType = (t: string) => tool.outputs.some((o) => o.type === t);
  if (stdoutName === undefined && usesType('stdout')) stdoutName = `stdout_${randomHex(8)}`;
  if (stderrName === undefined && usesType('stderr')) stderrName = `stderr_${randomHex(8)}`;
  if (stdoutName !== undefined) streams.stdout = path.join(outdir, stdoutName);
  if (stderrName !== undefined) streams.stderr = path.join(outdir, stderrName);

  const rewrite = (o: OutputParameter): OutputParameter => {
    if (o.type === 'stdout' && stdoutName !== undefined) return { ...o, type: 'File', outputBinding: { glob: literalGlob(stdoutName) } };
    if (o.type === 'stderr' && stderrName !== undefined) return { ...o, type: 'File', outputBinding: { glob: literalGlob(stderrName) } };
    return o;
  };
  const rewritten: CommandLineTool = { ...tool, outputs: tool.outputs.map(rewrite) };

  // §stdin: a path to a file piped into the command; the `stdin` input type is a shortcut for
  // `stdin: $(inputs.<id>.path)`.
  let stdin: unknown = tool.stdin;
  if (stdin === undefined) {
    const param = tool.inputs.find((i) => i.type === 'stdin');
    if (param !== undefined) stdin = context.inputs[param.id];
  } else if (isExpression(stdin)) {
    stdin = evaluate(stdin, context, { field: 'stdin' });
  }
  if (isFile(stdin)) stdin = stdin.path;
  if (stdin !== undefined && stdin !== null) {
    if (typeof stdin !== 'string') throw new DocumentInvalidError({ field: 'stdin' }, `expected a path, got ${stringifyJson(stdin)}`);
    streams.stdin = path.resolve(outdir, stdin);
  }
  return { tool: rewritten, streams };
}

async function captureName(raw: string | undefined, field: 'stdout' | 'stderr', evaluate: Evaluate, context: EvalContext): Promise<string | undefined> {
  if (raw === undefined || raw === null) return undefined;
  const value = isExpression(raw) ? evaluate(raw, context, { field }) : raw;
  if (typeof value !== 'string' || value === '') {
    throw new DocumentInvalidError({ field }, `must evaluate to a file name, got ${stringifyJson(value)}`);
  }
  if (value.includes('/') || value === '.' || value === '..') {
    throw new DocumentInvalidError({ field }, `'${value}' is not a plain file name; ${field} is always captured in the output directory`);
  }
  return value;
}

/** A glob matching exactly `name`, even when it holds glob characters (`*` → `[*]`, as fnmatch escapes). */
function literalGlob(name: string): string {
  return name.replace(/[*?[]/g, (c) => `[${c}]`);
}
