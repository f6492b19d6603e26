/**
 * File formats of a tool's inputs (Process.yml, InputParameter `format`: the IRIs of the formats
 * the parameter accepts). A File input whose `format` is none of them fails before the tool runs,
 * also inside records and arrays (conformance input_records_file_entry_with_format_*).
 *
 * Format ontologies (`$schemas`) are not loaded, so subclass and equivalent-class relations cannot
 * be decided: a tool that declares `$schemas` is not checked (never a false rejection), and a File
 * without a `format` is accepted, as the spec only constrains formats that are given.
 */
import { InputInvalidError } from '../errors.js';
import { isFile, type ArrayType, type CommandLineTool, type CwlType, type RecordType } from '../model.js';
import { expandFormat } from '../outputs/format.js';
import { isExpression, type EvalContext, type Evaluate } from './evaluation.js';

export function checkInputFormats(tool: CommandLineTool, inputs: Record<string, unknown>, evaluate: Evaluate, ctx: EvalContext): void {
  if (tool.schemas?.length) return;
  for (const param of tool.inputs) {
    check(param.type, param.format, inputs[param.id], param.id, { tool, evaluate, ctx });
  }
}

interface Env {
  tool: CommandLineTool;
  evaluate: Evaluate;
  ctx: EvalContext;
}

function check(type: CwlType, format: string | string[] | undefined, value: unknown, where: string, env: Env): void {
  if (value === null || value === undefined) return;
  if (isFile(value)) {
    if (format !== undefined && value.format !== undefined) checkFile(format, value.format, where, value, env);
    return;
  }
  if (Array.isArray(value)) {
    const items = arrayBranch(type)?.items ?? 'Any';
    value.forEach((item, i) => check(items, format, item, `${where}[${i}]`, env));
    return;
  }
  const record = recordBranch(type);
  if (record && typeof value === 'object') {
    for (const field of record.fields) {
      const name = field.name.slice(field.name.lastIndexOf('/') + 1).slice(field.name.lastIndexOf('#') + 1);
      check(field.type, field.format, (value as Record<string, unknown>)[name], `${where}.${name}`, env);
    }
  }
}

function checkFile(format: string | string[], actual: string, where: string, self: unknown, env: Env): void {
  const allowed: string[] = [];
  for (const f of Array.isArray(format) ? format : [format]) {
    const v = isExpression(f) ? env.evaluate(f, { ...env.ctx, self }, { field: `inputs.${where}.format` }) : f;
    for (const x of Array.isArray(v) ? v : [v]) if (typeof x === 'string') allowed.push(expandFormat(x, env.tool.namespaces));
  }
  const have = expandFormat(actual, env.tool.namespaces);
  if (allowed.length > 0 && !allowed.includes(have)) {
    throw new InputInvalidError(where, `the file's format ${have} is not the format the tool accepts (${allowed.join(' or ')}); fix \`format\` in the job file or give a file of the right format`);
  }
}

function arrayBranch(type: CwlType): ArrayType | undefined {
  for (const t of Array.isArray(type) ? type : [type]) if (typeof t === 'object' && !Array.isArray(t) && t.type === 'array') return t;
  return undefined;
}

function recordBranch(type: CwlType): RecordType | undefined {
  for (const t of Array.isArray(type) ? type : [type]) if (typeof t === 'object' && !Array.isArray(t) && t.type === 'record') return t;
  return undefined;
}
