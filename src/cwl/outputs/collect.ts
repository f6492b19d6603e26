/**
 * Output collection for CommandLineTools (invocation.md "Output binding", CommandOutputBinding) and
 * ExpressionTools.
 *
 * `collectOutputs(tool, inputs, runtime, evaluator, options)` runs after the command, in the job's
 * output directory (`runtime.outdir`; `runtime.exitCode` set for outputEval):
 *  - `cwl.output.json`, when the tool wrote one, is the output object (outputBindings ignored);
 *    File/Directory `path` (preferred) or `location` in it resolve against the output directory;
 *  - otherwise each output is built in the spec's order: glob (string, expression, or array of
 *    patterns; POSIX glob, sorted, inside the output directory only), loadContents (64 KiB limit),
 *    outputEval (`self` = the matched Files/Directories), then secondaryFiles and format. An output of
 *    record type without its own binding is built field by field;
 *  - every File gets location/path/basename/nameroot/nameext/size and a sha1 checksum (secondaryFiles
 *    and Directory listings too); File/Directory literals from expressions are written into the
 *    output directory;
 *  - the result is type-checked: a required output with no value is OutputMissingError, a value of
 *    the wrong type OutputInvalidError.
 * Callers must pass `inputs` as the command saw them (staged paths; `loadInputContents` applied).
 */
import { parseJson, stringifyJson } from '../../util/index.js';
import { statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { CommandLineTool, CommandOutputBinding, CwlDirectory, CwlFile, CwlType, ExpressionTool, LoadListing, OutputParameter, Requirement, SecondaryFileSchema } from '../model.js';
import { isDirectory, isFile } from '../model.js';
import { ExpressionError, OutputInvalidError, OutputMissingError } from '../errors.js';
import type { ExpressionEvaluator } from '../expressions/index.js';
import { secondaryFileCandidates } from '../expressions/index.js';
import { withDeclaredInputs, readContents, loadInputContents, shortName, valueMatchesType } from '../commandLine/index.js';
import { globOutdir, isInside } from './glob.js';
import { describeDirectory, describeFile, exists, writeLiteral } from './fileObjects.js';
import { expandFormat } from './format.js';

export interface CollectOutputsOptions {
  /** Names the job in errors (default: the tool id). */
  jobName?: string;
  /** Compute sha1 checksums (default true). */
  computeChecksum?: boolean;
  /** Requirements in force (LoadListingRequirement applies to Directory outputs). */
  requirements?: readonly Requirement[];
  /**
   * Folders the command saw elsewhere than on this host (a container's binds: `from` inside the
   * container, `to` on the host). An absolute path or file:// location in cwl.output.json (or an
   * expression's File/Directory) inside a `from` is read at the same place under its `to`.
   */
  pathMap?: ReadonlyArray<{ from: string; to: string }>;
}

/** An output parameter or an output record field: what collection needs from either. */
interface OutputSchema {
  name: string;
  type: CwlType;
  outputBinding?: CommandOutputBinding;
  secondaryFiles?: SecondaryFileSchema[];
  format?: string | string[];
}

class Collector {
  readonly outdir: string;
  readonly jobName: string;
  private readonly checksum: boolean;
  private readonly listing: LoadListing;
  /** Outputs whose glob matched nothing: field → the patterns, for the OutputMissingError message. */
  private readonly unmatched = new Map<string, string[]>();
  /** Objects made by describeFile/describeDirectory here, so they are not described twice. */
  private readonly described = new WeakSet<object>();
  /** options.pathMap, the deepest folder first (a bind inside another bind wins). */
  private readonly pathMap: ReadonlyArray<{ from: string; to: string }>;

  constructor(
    private readonly tool: CommandLineTool | ExpressionTool,
    readonly inputs: Record<string, unknown>,
    readonly runtime: Record<string, unknown>,
    private readonly evaluator: ExpressionEvaluator,
    options: CollectOutputsOptions,
  ) {
    this.outdir = String(runtime.outdir ?? process.cwd());
    this.jobName = options.jobName ?? tool.id;
    this.checksum = options.computeChecksum !== false;
    const req = (options.requirements ?? tool.requirements ?? []).find((r) => r.class === 'LoadListingRequirement');
    // Directory outputs are listed in full unless the tool asks otherwise (as the reference runner does).
    this.listing = (req?.loadListing as LoadListing | undefined) ?? 'deep_listing';
    this.pathMap = [...(options.pathMap ?? [])].sort((a, b) => b.from.length - a.from.length);
  }

  /** An absolute path as the command saw it → where it is on this host (options.pathMap). */
  private hostPath(p: string): string {
    for (const { from, to } of this.pathMap) {
      if (p === from) return to;
      const prefix = from.endsWith('/') ? from : `${from}/`;
      if (p.startsWith(prefix)) return path.join(to, p.slice(prefix.length));
    }
    return p;
  }

  private get ctx() {
    return { inputs: this.inputs, runtime: this.runtime };
  }

  async fromOutputJson(file: string): Promise<Record<string, unknown>> {
    let parsed: unknown;
    try {
      // Exact: integers outside Number's safe range stay exact (src/util/exactJson.ts).
      parsed = parseJson(await readFile(file, 'utf8'));
    } catch (err) {
      throw new OutputInvalidError(this.jobName, 'cwl.output.json', `cannot be read as JSON: ${(err as Error).message}`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new OutputInvalidError(this.jobName, 'cwl.output.json', 'must hold a JSON object mapping output names to values');
    }
    const out: Record<string, unknown> = {};
    for (const p of this.tool.outputs) {
      const name = shortName(p.id);
      out[name] = await this.finalize((parsed as Record<string, unknown>)[name] ?? null, name);
    }
    return out;
  }

  async fromBindings(): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const p of this.tool.outputs) {
      const name = shortName(p.id);
      out[name] = await this.collect(asSchema(p), name);
    }
    return out;
  }

  /** One output or record field: glob → loadContents → outputEval → secondaryFiles → format. */
  async collect(schema: OutputSchema, field: string): Promise<unknown> {
    const binding = schema.outputBinding;
    const record = recordBranch(schema.type);
    if (record && (binding?.glob === undefined && binding?.outputEval === undefined)) {
      const rec: Record<string, unknown> = {};
      for (const f of record.fields) {
        const fname = shortName(f.name);
        rec[fname] = await this.collect({ ...f, name: fname }, `${field}.${fname}`);
      }
      return rec;
    }
    if (!binding) return null;
    let matches: Array<CwlFile | CwlDirectory> | undefined;
    if (binding.glob !== undefined) {
      matches = await this.glob(binding, field);
      if (binding.loadContents) {
        for (const m of matches) {
          if (!isFile(m)) continue;
          m.contents = await readContents(m.path as string, (size) => new OutputInvalidError(this.jobName, field, `loadContents: ${m.path} is ${size} bytes, over the 64 KiB limit`));
        }
      }
    }
    let value: unknown;
    if (binding.outputEval !== undefined) {
      value = this.evaluator.evaluate(binding.outputEval, { ...this.ctx, self: matches ?? null }, { field: `outputs.${field}.outputBinding.outputEval` });
    } else if (matches) {
      value = this.shape(schema.type, matches, field);
    } else {
      value = null;
    }
    value = await this.finalize(value, field);
    if (schema.secondaryFiles?.length) await this.eachFile(value, (f) => this.addSecondaryFiles(f, schema.secondaryFiles as SecondaryFileSchema[], field));
    if (schema.format !== undefined) await this.eachFile(value, async (f) => this.setFormat(f, schema.format as string | string[], field));
    return value;
  }

  private async glob(binding: CommandOutputBinding, field: string): Promise<Array<CwlFile | CwlDirectory>> {
    const patterns: string[] = [];
    for (const g of Array.isArray(binding.glob) ? binding.glob : [binding.glob]) {
      const v = this.evaluator.evaluate(g, { ...this.ctx, self: null }, { field: `outputs.${field}.outputBinding.glob` });
      for (const p of Array.isArray(v) ? v : [v]) {
        if (p === null || p === undefined) continue;
        if (typeof p !== 'string') throw new ExpressionError(String(g), `glob must give a string or an array of strings, got ${stringifyJson(p)}`, { field: `outputs.${field}.outputBinding.glob` });
        patterns.push(p);
      }
    }
    if (patterns.length === 0) this.unmatched.set(field, []);
    const listing = binding.loadListing ?? this.listing;
    const out: Array<CwlFile | CwlDirectory> = [];
    for (const pattern of patterns) {
      const paths = await globOutdir(this.outdir, pattern);
      if (paths === null) throw new OutputInvalidError(this.jobName, field, `glob '${pattern}' points outside the output directory ${this.outdir}`);
      for (const p of paths) {
        const st = statSync(p);
        const obj = st.isDirectory() ? await describeDirectory(p, { checksum: this.checksum }, listing) : await describeFile(p, { checksum: this.checksum }, undefined, st);
        this.markDescribed(obj);
        out.push(obj);
      }
    }
    if (out.length === 0) this.unmatched.set(field, patterns);
    return out;
  }

  /** Glob matches without outputEval: a list for array types, else the single match (or null). */
  private shape(type: CwlType, matches: Array<CwlFile | CwlDirectory>, field: string): unknown {
    const branches = Array.isArray(type) ? type : [type];
    const wantsArray = branches.some((t) => typeof t === 'object' && !Array.isArray(t) && t.type === 'array');
    if (wantsArray) return matches;
    if (matches.length === 0) return null;
    if (matches.length === 1) return matches[0];
    if (branches.includes('Any')) return matches;
    throw new OutputInvalidError(this.jobName, field, `the glob matched ${matches.length} paths (${matches.map((m) => m.basename).join(', ')}) but the output is a single ${typeText(type)}`);
  }

  private markDescribed(obj: CwlFile | CwlDirectory): void {
    this.described.add(obj);
    if (isDirectory(obj)) for (const e of obj.listing ?? []) this.markDescribed(e);
  }

  /**
   * Resolve File/Directory objects anywhere in `value` against the output directory, write literals
   * out, and fill in their fields (size, checksum, listing...).
   */
  async finalize(value: unknown, field: string): Promise<unknown> {
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      for (const v of value) out.push(await this.finalize(v, field));
      return out;
    }
    if (isFile(value) || isDirectory(value)) return this.finalizeObject(value, field);
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = await this.finalize(v, `${field}.${k}`);
      return out;
    }
    return value;
  }

  private async finalizeObject(obj: CwlFile | CwlDirectory, field: string): Promise<CwlFile | CwlDirectory> {
    if (this.described.has(obj)) return obj;
    let p = this.localPath(obj);
    if (p === undefined) {
      // A scheme this runner does not resolve is kept as given; `_:` ids name literals (File.location).
      if (obj.location !== undefined && !obj.location.startsWith('_:')) return obj;
      p = await writeLiteral(obj, this.outdir);
    } else if (!(await exists(p))) {
      throw new OutputMissingError(this.jobName, field, `${obj.class} ${p} does not exist`);
    }
    const basename = obj.basename && obj.basename !== path.basename(p) ? obj.basename : undefined;
    const opts = { checksum: this.checksum };
    let out: CwlFile | CwlDirectory;
    if (isFile(obj)) {
      const described = await describeFile(p, opts, basename);
      out = { ...described };
      if (obj.format !== undefined) out.format = obj.format;
      if (obj.contents !== undefined) out.contents = obj.contents;
      if (obj.secondaryFiles) out.secondaryFiles = (await this.finalize(obj.secondaryFiles, field)) as Array<CwlFile | CwlDirectory>;
    } else {
      const listing: LoadListing = obj.listing !== undefined ? 'deep_listing' : this.listing;
      out = await describeDirectory(p, opts, listing, basename);
    }
    this.markDescribed(out);
    return out;
  }

  /** Where a File/Directory from cwl.output.json or an expression is: `path` first, then `location`. */
  private localPath(obj: CwlFile | CwlDirectory): string | undefined {
    if (typeof obj.path === 'string' && obj.path) return path.resolve(this.outdir, this.hostPath(obj.path));
    const loc = obj.location;
    if (typeof loc !== 'string' || !loc || loc.startsWith('_:')) return undefined;
    if (loc.startsWith('file://')) return this.hostPath(fileURLToPath(loc));
    if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(loc)) return undefined;
    // A relative reference, resolved with the output directory as the base IRI.
    return fileURLToPath(new URL(loc, pathToFileURL(this.outdir + path.sep)));
  }

  private async eachFile(value: unknown, fn: (f: CwlFile) => Promise<void>): Promise<void> {
    if (isFile(value)) await fn(value);
    else if (Array.isArray(value)) for (const v of value) await this.eachFile(v, fn);
  }

  /** Output secondaryFiles (SecondaryFileSchema; `required` defaults to false on outputs). */
  private async addSecondaryFiles(primary: CwlFile, schemas: SecondaryFileSchema[], field: string): Promise<void> {
    const dir = primary.dirname ?? (primary.path ? path.dirname(primary.path) : this.outdir);
    const found: Array<CwlFile | CwlDirectory> = [...(primary.secondaryFiles ?? [])];
    const candidates = secondaryFileCandidates(schemas, primary, this.evaluator, this.ctx, false, `outputs.${field}.secondaryFiles`);
    for (const c of candidates) {
      if (typeof c.value !== 'string') {
        const obj = c.value;
        const p = this.localPath(obj);
        if (p === undefined || !(await exists(p))) {
          if (c.required) throw new OutputMissingError(this.jobName, field, `secondary file ${obj.path ?? obj.location ?? obj.basename} ('${c.pattern}') does not exist`);
          continue;
        }
        found.push(await this.finalizeObject(obj, field));
        continue;
      }
      const p = path.resolve(dir, c.value);
      if (found.some((f) => f.path === p)) continue;
      const st = await stat(p).catch(() => undefined);
      if (!st) {
        if (c.required) throw new OutputMissingError(this.jobName, field, `secondary file ${p} ('${c.pattern}') does not exist`);
        continue;
      }
      if (!isInside(this.outdir, p) && !this.isInputPath(p)) continue;
      const obj = st.isDirectory() ? await describeDirectory(p, { checksum: this.checksum }, this.listing) : await describeFile(p, { checksum: this.checksum });
      this.markDescribed(obj);
      found.push(obj);
    }
    if (found.length) primary.secondaryFiles = found;
  }

  private isInputPath(p: string): boolean {
    let hit = false;
    const visit = (v: unknown): void => {
      if (hit) return;
      if (Array.isArray(v)) v.forEach(visit);
      else if (isFile(v) || isDirectory(v)) {
        if (v.path === p) hit = true;
        if (isFile(v)) (v.secondaryFiles ?? []).forEach(visit);
      } else if (v !== null && typeof v === 'object') Object.values(v).forEach(visit);
    };
    visit(this.inputs);
    return hit;
  }

  private setFormat(file: CwlFile, format: string | string[], field: string): void {
    const first = Array.isArray(format) ? format[0] : format;
    if (first === undefined) return;
    const v = this.evaluator.evaluate(first, { ...this.ctx, self: file }, { field: `outputs.${field}.format` });
    if (v === null || v === undefined) return;
    if (typeof v !== 'string') throw new ExpressionError(first, `format must give a string, got ${stringifyJson(v)}`, { field: `outputs.${field}.format` });
    file.format = expandFormat(v, this.tool.namespaces);
  }

  /** Every output must have its declared type (invocation.md, Output binding). */
  typeCheck(outputs: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const p of this.tool.outputs) {
      const name = shortName(p.id);
      const value = outputs[name] ?? null;
      // An `Any` output may be null, as with the reference runner (step_input_default_value_overriden_2nd_step_null).
      const anyNull = value === null && (p.type === 'Any' || (Array.isArray(p.type) && p.type.includes('Any')));
      if (!anyNull && !valueMatchesType(p.type, value)) {
        if (value === null) {
          const patterns = this.unmatched.get(name);
          const why = patterns === undefined ? 'no value was produced' : `glob ${patterns.map((g) => `'${g}'`).join(', ') || '(no pattern)'} matched nothing in ${this.outdir}`;
          throw new OutputMissingError(this.jobName, name, `${why}, but the output type ${typeText(p.type)} is not optional; check that the tool writes it there`);
        }
        throw new OutputInvalidError(this.jobName, name, `expected ${typeText(p.type)}, got ${valueText(value)}`);
      }
      out[name] = value;
    }
    return out;
  }
}

function asSchema(p: OutputParameter): OutputSchema {
  return { name: shortName(p.id), type: p.type, outputBinding: p.outputBinding, secondaryFiles: p.secondaryFiles, format: p.format };
}

function recordBranch(type: CwlType): Extract<CwlType, { type: 'record' }> | undefined {
  const branches = Array.isArray(type) ? type : [type];
  for (const t of branches) if (typeof t === 'object' && !Array.isArray(t) && t.type === 'record') return t;
  return undefined;
}

/** A short text for a type, for messages: `File`, `File[]`, `null | int`, `record`. */
export function typeText(type: CwlType): string {
  if (Array.isArray(type)) return type.map(typeText).join(' | ');
  if (typeof type === 'string') return type;
  if (type.type === 'array') return `${typeText(type.items)}[]`;
  if (type.type === 'enum') return `enum(${type.symbols.join(', ')})`;
  return type.name ? `record ${shortName(type.name)}` : 'record';
}

function valueText(v: unknown): string {
  if (isFile(v) || isDirectory(v)) return `a ${v.class} (${v.basename ?? v.location})`;
  if (Array.isArray(v)) return `an array of ${v.length}`;
  const s = stringifyJson(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** Collect a CommandLineTool's outputs after its command ran (see the module comment). */
export async function collectOutputs(
  tool: CommandLineTool,
  inputs: Record<string, unknown>,
  runtime: Record<string, unknown>,
  evaluator: ExpressionEvaluator,
  options: CollectOutputsOptions = {},
): Promise<Record<string, unknown>> {
  const c = new Collector(tool, withDeclaredInputs(tool, inputs), runtime, evaluator, options);
  const json = path.join(c.outdir, 'cwl.output.json');
  const raw = (await exists(json)) ? await c.fromOutputJson(json) : await c.fromBindings();
  return c.typeCheck(raw);
}

/**
 * Run an ExpressionTool (Workflow.yml, ExpressionTool): its `expression` is evaluated with the inputs
 * (loadContents applied) and must give an object; the declared outputs are taken from it, File and
 * Directory literals are written into `runtime.outdir`, and the result is type-checked.
 */
export async function runExpressionTool(
  tool: ExpressionTool,
  inputs: Record<string, unknown>,
  runtime: Record<string, unknown>,
  evaluator: ExpressionEvaluator,
  options: CollectOutputsOptions = {},
): Promise<Record<string, unknown>> {
  const loaded = withDeclaredInputs(tool, await loadInputContents(tool.inputs, inputs));
  const c = new Collector(tool, loaded, runtime, evaluator, options);
  const result = evaluator.evaluate(tool.expression, { inputs: loaded, self: null, runtime }, { field: 'expression' });
  if (result === null || typeof result !== 'object' || Array.isArray(result)) {
    throw new ExpressionError(tool.expression, `an ExpressionTool's expression must return an object of outputs, got ${stringifyJson(result)}`, { field: 'expression' });
  }
  const out: Record<string, unknown> = {};
  for (const p of tool.outputs) {
    const name = shortName(p.id);
    out[name] = await c.finalize((result as Record<string, unknown>)[name] ?? null, name);
  }
  return c.typeCheck(out);
}
