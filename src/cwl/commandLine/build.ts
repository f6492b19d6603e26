/**
 * Builds a CommandLineTool's command line from its bound inputs (CommandLineTool.yml / invocation.md,
 * "Input binding", and CommandLineBinding).
 *
 * `buildCommandLine(tool, inputs, runtime, evaluator)` returns `{argv, shell}`:
 *  - bindings are collected from `arguments` (sort key `[position, index]`) and from the inputs,
 *    walking records and arrays for nested bindings (sort key: position and field name at each
 *    level, array index after the position); sorted with numbers before strings, shorter keys first;
 *  - each binding becomes words by the type of its effective value (after `valueFrom`, evaluated
 *    with `self` = the input's value; null inputs add nothing and skip `valueFrom`): strings and
 *    numbers (plain decimals), booleans (prefix when true), Files/Directories (their `path`), arrays
 *    (itemSeparator join, or prefix then the items' own bindings), records (prefix, then fields);
 *  - `baseCommand` goes first;
 *  - with ShellCommandRequirement the words are joined into one `/bin/sh -c` script, each quoted
 *    unless its binding says `shellQuote: false`; then `shell` is true and argv is
 *    `['/bin/sh', '-c', script]`. Without it `shellQuote` has no effect.
 * `inputs` must have defaults applied and File/Directory `path`s set to where the job sees them
 * (after staging). Declared inputs missing from `inputs` are treated as null.
 */
import { stringifyJson } from '../../util/index.js';
import type { CommandLineBinding, CommandLineTool, CwlType, Requirement } from '../model.js';
import { isDirectory, isFile } from '../model.js';
import { ExpressionError } from '../errors.js';
import type { ExpressionEvaluator } from '../expressions/index.js';
import { formatNumber } from '../expressions/index.js';
import { matchingType, shortName } from './typeMatch.js';
import { shellQuote } from './shellQuote.js';

export interface CommandLine {
  /** What to spawn: the tool's words, or `['/bin/sh', '-c', script]` when `shell` is true. */
  argv: string[];
  /** True when ShellCommandRequirement is in force. */
  shell: boolean;
}

export interface BuildCommandLineOptions {
  /** Requirements in force (defaults to the tool's own); ShellCommandRequirement is looked up here. */
  requirements?: readonly Requirement[];
}

type SortKey = Array<number | string>;

interface Word {
  text: string;
  /** False when the binding says `shellQuote: false`. */
  quote: boolean;
}

interface Entry {
  key: SortKey;
  binding: CommandLineBinding;
  /** The value before valueFrom; `undefined` for `arguments` entries (self is null there). */
  value: unknown;
  /** Where the binding is, for error messages. */
  field: string;
  fromArguments: boolean;
}

/** Build the command line (see the module comment). */
export function buildCommandLine(
  tool: CommandLineTool,
  inputs: Record<string, unknown>,
  runtime: Record<string, unknown>,
  evaluator: ExpressionEvaluator,
  options?: BuildCommandLineOptions,
): CommandLine {
  const allInputs = withDeclaredInputs(tool, inputs);
  const entries = collectBindings(tool, allInputs, runtime, evaluator);
  entries.sort((a, b) => compareKeys(a.key, b.key));
  const words: Word[] = (tool.baseCommand ?? []).map((text) => ({ text, quote: true }));
  for (const entry of entries) words.push(...entryWords(entry, allInputs, runtime, evaluator));
  const requirements = options?.requirements ?? tool.requirements ?? [];
  const shell = requirements.some((r) => r.class === 'ShellCommandRequirement');
  if (!shell) return { argv: words.map((w) => w.text), shell: false };
  const script = words.map((w) => (w.quote ? shellQuote(w.text) : w.text)).join(' ');
  return { argv: ['/bin/sh', '-c', script], shell: true };
}

/** The input object with every declared input present (absent optional inputs are null). */
export function withDeclaredInputs(tool: { inputs: Array<{ id: string }> }, inputs: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...inputs };
  for (const p of tool.inputs) {
    const name = shortName(p.id);
    if (out[name] === undefined) out[name] = null;
  }
  return out;
}

function collectBindings(tool: CommandLineTool, inputs: Record<string, unknown>, runtime: Record<string, unknown>, evaluator: ExpressionEvaluator): Entry[] {
  const entries: Entry[] = [];
  // Step 1: arguments, key [position, index].
  (tool.arguments ?? []).forEach((arg, i) => {
    const binding: CommandLineBinding = typeof arg === 'string' ? { valueFrom: arg } : arg;
    const field = `arguments[${i}]`;
    const position = evaluatePosition(binding, null, inputs, runtime, evaluator, field);
    entries.push({ key: [position, i], binding, value: undefined, field, fromArguments: true });
  });
  // Steps 2-3: input bindings, walking nested records and arrays.
  for (const param of tool.inputs) {
    const name = shortName(param.id);
    bindValue(param.type, inputs[name], param.inputBinding, [], name, `inputs.${name}`, inputs, runtime, evaluator, entries);
  }
  return entries;
}

/**
 * Collect the binding of one value (a parameter, record field or array item) and its nested ones.
 * `parentKey` is the sort key of the enclosing level; `name` the field/parameter name or the item index.
 */
function bindValue(
  type: CwlType,
  value: unknown,
  binding: CommandLineBinding | undefined,
  parentKey: SortKey,
  name: string | number,
  field: string,
  inputs: Record<string, unknown>,
  runtime: Record<string, unknown>,
  evaluator: ExpressionEvaluator,
  out: Entry[],
): void {
  if (value === null || value === undefined) return;
  let key = parentKey;
  if (typeof name === 'number') key = [...key, name];
  if (binding) {
    const position = evaluatePosition(binding, value, inputs, runtime, evaluator, `${field}.inputBinding.position`);
    key = typeof name === 'number' ? [...key, position] : [...key, position, name];
    out.push({ key, binding, value, field, fromArguments: false });
    // A valueFrom replaces the value, so the original's nested bindings do not apply.
    if (binding.valueFrom !== undefined) return;
  }
  const t = matchingType(type, value);
  if (t === undefined || typeof t === 'string') return;
  // CommandInputRecordSchema / CommandInputEnumSchema: a binding on the type binds the value as well.
  if ((t.type === 'record' || t.type === 'enum') && t.inputBinding) {
    const typeBinding = t.inputBinding;
    const position = evaluatePosition(typeBinding, value, inputs, runtime, evaluator, `${field}.type.inputBinding.position`);
    // Nested under the parameter's own binding, when it has one (it sorts right after it); a
    // record's fields nest under the type's binding in turn.
    key = typeof name === 'number' ? [...key, position] : [...key, position, name];
    out.push({ key, binding: typeBinding, value, field, fromArguments: false });
    if (typeBinding.valueFrom !== undefined) return;
  }
  if (t.type === 'record') {
    const rec = value as Record<string, unknown>;
    for (const f of t.fields) {
      const fname = shortName(f.name);
      bindValue(f.type, rec[fname], f.inputBinding, key, fname, `${field}.${fname}`, inputs, runtime, evaluator, out);
    }
  } else if (t.type === 'array') {
    // Items are bound with the array type's own binding; when the parameter has a binding without
    // itemSeparator and the array type has none, each item is added as it is (nested arrays).
    const itemBinding = t.inputBinding ?? (binding && binding.itemSeparator === undefined ? {} : undefined);
    (value as unknown[]).forEach((item, n) => {
      bindValue(t.items, item, itemBinding, key, n, `${field}[${n}]`, inputs, runtime, evaluator, out);
    });
  }
}

function evaluatePosition(binding: CommandLineBinding, self: unknown, inputs: Record<string, unknown>, runtime: Record<string, unknown>, evaluator: ExpressionEvaluator, field: string): number {
  const p = binding.position;
  if (p === undefined || p === null) return 0;
  if (typeof p === 'number') return p;
  const v = evaluator.evaluate(p, { inputs, self, runtime }, { field });
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  throw new ExpressionError(p, `position must evaluate to an int or null, got ${stringifyJson(v)}`, { field });
}

/** Sort keys: element by element, numbers before strings, strings by UTF-8 code units; a prefix first. */
export function compareKeys(a: SortKey, b: SortKey): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] as number | string;
    const y = b[i] as number | string;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    if (typeof x === 'number') return -1;
    if (typeof y === 'number') return 1;
    return Buffer.compare(Buffer.from(x), Buffer.from(y));
  }
  return a.length - b.length;
}

/** The command-line words of one binding (CommandLineBinding, rules by the effective value's type). */
function entryWords(entry: Entry, inputs: Record<string, unknown>, runtime: Record<string, unknown>, evaluator: ExpressionEvaluator): Word[] {
  const { binding } = entry;
  let value = entry.value;
  if (binding.valueFrom !== undefined) {
    value = evaluator.evaluate(binding.valueFrom, { inputs, self: entry.fromArguments ? null : value, runtime }, { field: `${entry.field}.valueFrom` });
  }
  const quote = binding.shellQuote !== false;
  const prefix = binding.prefix;
  const separate = binding.separate !== false;
  const words = (texts: string[]): Word[] => texts.map((text) => ({ text, quote }));
  const withPrefix = (text: string): string[] => (prefix === undefined ? [text] : separate ? [prefix, text] : [prefix + text]);

  if (value === null || value === undefined || value === false) return [];
  if (value === true) return prefix === undefined ? [] : words([prefix]);
  if (Array.isArray(value)) {
    if (value.length === 0) return [];
    if (binding.itemSeparator !== undefined) return words(withPrefix(value.map((v) => argText(v, entry.field)).join(binding.itemSeparator)));
    // An array made by valueFrom has no item bindings of its own: its items go on the line.
    if (binding.valueFrom !== undefined) return words([...(prefix === undefined ? [] : [prefix]), ...value.map((v) => argText(v, entry.field))]);
    return prefix === undefined ? [] : words([prefix]);
  }
  if (typeof value === 'object' && !isFile(value) && !isDirectory(value)) return prefix === undefined ? [] : words([prefix]);
  return words(withPrefix(argText(value, entry.field)));
}

/** One value as command-line text: Files and Directories by path, numbers as plain decimals. */
function argText(v: unknown, field: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (isFile(v) || isDirectory(v)) {
    if (typeof v.path !== 'string') throw new ExpressionError(field, `the ${v.class} has no path; it must be staged before the command line is built`, { field });
    return v.path;
  }
  if (v === null || v === undefined) return 'null';
  return stringifyJson(v) ?? 'null';
}
