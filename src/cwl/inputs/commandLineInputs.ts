/**
 * Inputs given on the command line after the document, cwltool style:
 * `--name value`, `--name=value`, `--flag` for booleans, `--list a --list b` or `--list a b` for
 * arrays, `--rec.field value` for record fields; File/Directory inputs take a path.
 */
import { exactNumber } from '../../util/index.js';
import type { CwlType, InputParameter, Process } from '../model.js';
import { InputInvalidError, InputUnknownError } from '../errors.js';
import { toUri } from '../load/documentRef.js';
import { isOptional, typeText } from './typeText.js';

export interface CommandLineInputOptions {
  /** Folder relative File/Directory paths resolve against (default: `process.cwd()`). */
  cwd?: string;
}

/** The type without `null` (an optional input is given like its non-null type). */
function nonNull(t: CwlType): CwlType {
  if (!Array.isArray(t)) return t;
  const rest = t.filter((x) => x !== 'null');
  return rest.length === 1 && rest[0] !== undefined ? rest[0] : rest;
}

function isBoolean(t: CwlType): boolean {
  return nonNull(t) === 'boolean';
}

function isArray(t: CwlType): t is Extract<CwlType, { type: 'array' }> {
  const n = nonNull(t);
  return typeof n === 'object' && !Array.isArray(n) && n.type === 'array';
}

/** Convert one command-line word to a value of type `t`. */
function convert(word: string, t: CwlType, name: string, cwd: string | undefined): unknown {
  const n = nonNull(t);
  if (Array.isArray(n)) {
    // A union: the first branch the word converts to (numbers before strings, as cwltool's argparse does).
    for (const branch of n) {
      try {
        return convert(word, branch, name, cwd);
      } catch {
        // try the next branch
      }
    }
    throw new InputInvalidError(name, `'${word}' does not match type ${typeText(t)}`);
  }
  if (typeof n === 'object') {
    if (n.type === 'enum') {
      if (!n.symbols.includes(word)) throw new InputInvalidError(name, `'${word}' is not one of: ${n.symbols.join(', ')}`);
      return word;
    }
    if (n.type === 'array') return [convert(word, n.items, name, cwd)];
    throw new InputInvalidError(name, `a record is given field by field: --${name}.<field> value`);
  }
  switch (n) {
    case 'int':
    case 'long': {
      if (!/^[-+]?\d+$/.test(word)) throw new InputInvalidError(name, `'${word}' is not an integer`);
      // Exact: a long outside Number's safe range becomes a BigInt (src/util/exactJson.ts).
      return exactNumber(word.startsWith('+') ? word.slice(1) : word);
    }
    case 'float':
    case 'double': {
      const v = Number(word);
      if (word.trim() === '' || Number.isNaN(v)) throw new InputInvalidError(name, `'${word}' is not a number`);
      return v;
    }
    case 'boolean':
      if (word === 'true') return true;
      if (word === 'false') return false;
      throw new InputInvalidError(name, `'${word}' is not true or false`);
    case 'File':
    case 'stdin':
      return { class: 'File', location: toUri(word, cwd) };
    case 'Directory':
      return { class: 'Directory', location: toUri(word, cwd) };
    case 'null':
      if (word === 'null') return null;
      throw new InputInvalidError(name, `'${word}' is not null`);
    default:
      return word;
  }
}

/** Find the type of `--a.b.c` inside the record type of input `a`. */
function fieldType(t: CwlType, path: string[], flag: string): CwlType {
  let cur = t;
  for (const part of path) {
    const n = nonNull(cur);
    if (typeof n !== 'object' || Array.isArray(n) || n.type !== 'record') throw new InputInvalidError(flag, `'${part}' is not a field of a record`);
    const f = n.fields.find((x) => x.name === part);
    if (!f) throw new InputInvalidError(flag, `no field '${part}'; the record has: ${n.fields.map((x) => x.name).join(', ')}`);
    cur = f.type;
  }
  return cur;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown, append: boolean): void {
  let cur = target;
  for (const part of path.slice(0, -1)) {
    const next = cur[part];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) cur[part] = {};
    cur = cur[part] as Record<string, unknown>;
  }
  const last = path[path.length - 1] as string;
  if (append) {
    const prev = cur[last];
    cur[last] = Array.isArray(prev) ? [...prev, ...(value as unknown[])] : value;
  } else cur[last] = value;
}

/**
 * Parse `argv` (the words after the document and job file) into an input object.
 * @throws InputUnknownError for a flag the process does not declare; InputInvalidError for a value
 * that does not convert or a flag without its value.
 */
export function parseCommandLineInputs(process: Process, argv: readonly string[], options: CommandLineInputOptions = {}): Record<string, unknown> {
  const params = new Map<string, InputParameter>(process.inputs.map((p) => [p.id, p]));
  const out: Record<string, unknown> = {};
  let i = 0;
  while (i < argv.length) {
    const word = argv[i++] as string;
    if (!word.startsWith('--') || word === '--') throw new InputInvalidError(word, `unexpected argument '${word}'; give inputs as --name value`);
    const eq = word.indexOf('=');
    const flag = eq < 0 ? word.slice(2) : word.slice(2, eq);
    const inline = eq < 0 ? undefined : word.slice(eq + 1);
    // An input whose own name has a dot (`args.py`) is that input, not a record field.
    const [name, ...fieldPath] = params.has(flag) ? [flag] : flag.split('.');
    const param = name === undefined ? undefined : params.get(name);
    if (!param || name === undefined) throw new InputUnknownError(flag, [...params.keys()]);
    const type = fieldType(param.type, fieldPath, flag);
    const path = [name, ...fieldPath];
    if (isBoolean(type)) {
      // `--flag` alone is true; an explicit true/false may follow.
      const next = inline ?? argv[i];
      if (next === 'true' || next === 'false') {
        if (inline === undefined) i++;
        setPath(out, path, next === 'true', false);
      } else if (inline !== undefined) throw new InputInvalidError(flag, `'${inline}' is not true or false`);
      else setPath(out, path, true, false);
      continue;
    }
    const values: string[] = [];
    if (inline !== undefined) values.push(inline);
    else if (isArray(type)) while (i < argv.length && !(argv[i] as string).startsWith('--')) values.push(argv[i++] as string);
    else if (i < argv.length && !(argv[i] as string).startsWith('--')) values.push(argv[i++] as string);
    if (values.length === 0) throw new InputInvalidError(flag, `--${flag} needs a value (type ${typeText(type)})`);
    if (isArray(type)) {
      const arr = nonNull(type) as Extract<CwlType, { type: 'array' }>;
      setPath(out, path, values.map((v) => convert(v, arr.items, flag, options.cwd)), true);
    } else setPath(out, path, convert(values[0] as string, type, flag, options.cwd), false);
  }
  return out;
}

/** Whether the words after the document ask for the process's inputs (`--help`, `-h`) rather than give one named so. */
export function asksForInputHelp(process: Process, argv: readonly string[]): boolean {
  const names = new Set(process.inputs.map((p) => p.id));
  return argv.some((w) => (w === '--help' && !names.has('help')) || w === '-h');
}

/** The value a flag takes, in words: FILE, INT, {a,b}, ... */
function metavar(t: CwlType): string {
  const n = nonNull(t);
  if (Array.isArray(n)) return n.map(metavar).join('|');
  if (typeof n === 'object') {
    if (n.type === 'enum') return `{${n.symbols.map((s) => s.slice(s.lastIndexOf('/') + 1)).join(',')}}`;
    if (n.type === 'array') return `${metavar(n.items)} [${metavar(n.items)} ...]`;
    return 'RECORD';
  }
  switch (n) {
    case 'int':
    case 'long':
      return 'INT';
    case 'float':
    case 'double':
      return 'NUMBER';
    case 'File':
    case 'stdin':
      return 'FILE';
    case 'Directory':
      return 'DIR';
    case 'Any':
      return 'VALUE';
    default:
      return n.toUpperCase();
  }
}

/** A default as a user would type it: a File or Directory by its location, anything else as JSON. */
function defaultText(v: unknown): string {
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    if ((o.class === 'File' || o.class === 'Directory') && typeof (o.location ?? o.path) === 'string') return String(o.location ?? o.path);
  }
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)) ?? String(v);
}

/** `--name VALUE` lines for an input, one per field for a record (`--name.field VALUE`). */
function flagLines(flag: string, t: CwlType): string[] {
  const n = nonNull(t);
  if (typeof n === 'object' && !Array.isArray(n) && n.type === 'record') return n.fields.flatMap((f) => flagLines(`${flag}.${f.name}`, f.type));
  return [isBoolean(t) ? `--${flag}` : `--${flag} ${metavar(t)}`];
}

/**
 * The process's inputs as command-line flags (cwltool's `tool.cwl --help`): each with its CWL type,
 * whether it is required, its default and the first line of its label or doc.
 */
export function inputUsage(process: Process, documentName: string): string {
  const lines = [`usage: parsl-cwl [options] ${documentName} [JOB] ${process.inputs.length > 0 ? '[--input value ...]' : ''}`.trimEnd(), ''];
  if (process.inputs.length === 0) {
    lines.push(`${documentName} has no inputs.`);
    return `${lines.join('\n')}\n`;
  }
  lines.push(`inputs of ${documentName} (in a job file, or as these flags after the document; flags win):`);
  const rows: Array<[string, string]> = [];
  for (const p of process.inputs) {
    const optional = p.default !== undefined || isOptional(p.type);
    const text = [typeText(p.type), optional ? (p.default !== undefined ? `default: ${defaultText(p.default)}` : 'optional') : 'required'];
    const words = (Array.isArray(p.doc) ? p.doc.join(' ') : p.doc) ?? p.label;
    const first = words?.trim().split('\n')[0];
    if (first) text.push(first);
    const flags = flagLines(p.id, p.type);
    flags.forEach((f, i) => rows.push([f, i === 0 ? text.join('; ') : '']));
  }
  const width = Math.min(40, Math.max(...rows.map(([f]) => f.length)));
  for (const [f, t] of rows) lines.push(f.length > width && t ? `  ${f}\n  ${' '.repeat(width)}  ${t}` : `  ${f.padEnd(width)}  ${t}`.trimEnd());
  return `${lines.join('\n')}\n`;
}
