/**
 * The process model: CWL documents after loading, as plain JSON-serialisable objects.
 *
 * src/cwl/load produces these from cwl-ts-auto's parse (then `save()`d to plain objects) and
 * normalises them, so every later layer (command line, execution, workflows, HTEX workers) works on
 * one shape that can cross a process boundary as data (docs/loading-and-inputs.md has the details):
 *  - every document is upgraded to v1.2 semantics (`cwlVersion: 'v1.2'`, `originalCwlVersion` keeps
 *    what the file said). A v1.0 document gets `LoadListingRequirement: deep_listing` and
 *    `NetworkAccess: true` hints unless it names those classes, its cwltool extension classes become
 *    the standard ones, and `inputBinding.loadContents` moves to the parameter's `loadContents`;
 *    behaviour that differs only at run time is the runner's to decide from `originalCwlVersion`.
 *    Syntax newer than the declared version is rejected;
 *  - `id` of a process is an absolute URI (`file:///dir/tool.cwl` or `...#fragment`; an inline `run:`
 *    without an id gets `<workflow id>#<step>/run`); ids of inputs, outputs, steps and step
 *    inputs/outputs are SHORT names (`file1`, `step1`, `output`), and `source`/`outputSource` use short
 *    `step/output` or `input` forms (a list stays a list, even of one); step `out` is a list of names;
 *  - fields given in map form (`inputs: {a: ..., b: ...}`) are lists in key order (schema-salad idmap);
 *  - `type` is normalised: `File?` → `['null', 'File']`, `string[]` → `{type: 'array', items: 'string'}`,
 *    named types from SchemaDefRequirement (this process's, or an enclosing workflow's) are replaced
 *    by their definitions (records/enums keep a short `name`; generated names of anonymous types are
 *    dropped); record field names and enum symbols are short;
 *  - `secondaryFiles` is always an array of `{pattern, required?}`;
 *  - `baseCommand` is always a list; `scatter` is always a list of step input names;
 *  - requirements, and hints of the known CWL classes, are lists of `{class, ...}` in their canonical
 *    form (e.g. `envDef` as a list of `{envName, envValue}`); hints of other classes stay as written;
 *  - `format` IRIs are expanded with the document's `$namespaces` (kept in `namespaces`);
 *  - a step's `run` is always an inline, loaded process (files and `$graph` fragments resolved);
 *  - File/Directory `location`s in defaults and InitialWorkDir listings are absolute URIs (a `path`
 *    written in the document becomes a `location`);
 *  - `baseUri` is the URI of the folder that relative references in the document resolve against.
 */

export type CwlVersion = 'v1.0' | 'v1.1' | 'v1.2';

export type PrimitiveType = 'null' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'string' | 'File' | 'Directory' | 'Any';

export interface ArrayType {
  type: 'array';
  items: CwlType;
  name?: string;
  inputBinding?: CommandLineBinding;
}
export interface EnumType {
  type: 'enum';
  symbols: string[];
  name?: string;
  inputBinding?: CommandLineBinding;
}
export interface RecordField {
  name: string;
  type: CwlType;
  doc?: string;
  label?: string;
  inputBinding?: CommandLineBinding;
  outputBinding?: CommandOutputBinding;
  secondaryFiles?: SecondaryFileSchema[];
  streamable?: boolean;
  format?: string | string[];
  loadContents?: boolean;
  loadListing?: LoadListing;
}
export interface RecordType {
  type: 'record';
  fields: RecordField[];
  name?: string;
  inputBinding?: CommandLineBinding;
}
/** `stdout`/`stderr`/`stdin` shortcuts are kept as their own type names until the tool is bound. */
export type CwlType = PrimitiveType | 'stdout' | 'stderr' | 'stdin' | ArrayType | EnumType | RecordType | CwlType[];

export type LoadListing = 'no_listing' | 'shallow_listing' | 'deep_listing';

export interface SecondaryFileSchema {
  /** A pattern (`.bai`, `^.bai`, `.idx?`) or an expression. */
  pattern: string;
  /** `true`, `false` or an expression; absent means the default for the context. */
  required?: boolean | string;
}

export interface CommandLineBinding {
  loadContents?: boolean;
  position?: number | string;
  prefix?: string;
  separate?: boolean;
  itemSeparator?: string;
  valueFrom?: string;
  shellQuote?: boolean;
}

export interface CommandOutputBinding {
  loadContents?: boolean;
  loadListing?: LoadListing;
  glob?: string | string[];
  outputEval?: string;
}

/** A requirement or hint: `class` plus the class's own fields (kept as in the document). */
export interface Requirement {
  class: string;
  [field: string]: unknown;
}

export interface Parameter {
  id: string;
  type: CwlType;
  label?: string;
  doc?: string | string[];
  format?: string | string[];
  secondaryFiles?: SecondaryFileSchema[];
  streamable?: boolean;
  loadContents?: boolean;
  loadListing?: LoadListing;
}

export interface InputParameter extends Parameter {
  default?: unknown;
  inputBinding?: CommandLineBinding;
}

export interface OutputParameter extends Parameter {
  outputBinding?: CommandOutputBinding;
  /** Workflow outputs. */
  outputSource?: string | string[];
  linkMerge?: LinkMerge;
  pickValue?: PickValue;
}

export type LinkMerge = 'merge_nested' | 'merge_flattened';
export type PickValue = 'first_non_null' | 'the_only_non_null' | 'all_non_null';

interface ProcessBase {
  id: string;
  cwlVersion: 'v1.2';
  /** The version the file declared (documents are upgraded on load). */
  originalCwlVersion: CwlVersion;
  baseUri: string;
  label?: string;
  doc?: string | string[];
  inputs: InputParameter[];
  outputs: OutputParameter[];
  requirements?: Requirement[];
  hints?: Requirement[];
  intent?: string[];
  /** `$namespaces` of the document, for resolving `format` IRIs. */
  namespaces?: Record<string, string>;
  /** `$schemas` of the document. */
  schemas?: string[];
}

export interface CommandLineTool extends ProcessBase {
  class: 'CommandLineTool';
  baseCommand?: string[];
  arguments?: Array<string | CommandLineBinding>;
  stdin?: string;
  stdout?: string;
  stderr?: string;
  successCodes?: number[];
  temporaryFailCodes?: number[];
  permanentFailCodes?: number[];
}

export interface ExpressionTool extends ProcessBase {
  class: 'ExpressionTool';
  expression: string;
}

export interface Operation extends ProcessBase {
  class: 'Operation';
}

export interface WorkflowStepInput {
  id: string;
  source?: string | string[];
  linkMerge?: LinkMerge;
  pickValue?: PickValue;
  default?: unknown;
  valueFrom?: string;
  loadContents?: boolean;
  loadListing?: LoadListing;
}

export interface WorkflowStep {
  id: string;
  in: WorkflowStepInput[];
  out: string[];
  run: Process;
  requirements?: Requirement[];
  hints?: Requirement[];
  label?: string;
  doc?: string | string[];
  when?: string;
  scatter?: string[];
  scatterMethod?: 'dotproduct' | 'nested_crossproduct' | 'flat_crossproduct';
}

export interface Workflow extends ProcessBase {
  class: 'Workflow';
  steps: WorkflowStep[];
}

export type Process = CommandLineTool | ExpressionTool | Workflow | Operation;

/** Runtime values (CWL "File"/"Directory" objects as they appear in inputs and outputs). */
export interface CwlFile {
  class: 'File';
  location?: string;
  path?: string;
  basename?: string;
  dirname?: string;
  nameroot?: string;
  nameext?: string;
  checksum?: string;
  size?: number;
  secondaryFiles?: Array<CwlFile | CwlDirectory>;
  format?: string;
  contents?: string;
  writable?: boolean;
}
export interface CwlDirectory {
  class: 'Directory';
  location?: string;
  path?: string;
  basename?: string;
  listing?: Array<CwlFile | CwlDirectory>;
  writable?: boolean;
}

export function isFile(v: unknown): v is CwlFile {
  return typeof v === 'object' && v !== null && (v as { class?: unknown }).class === 'File';
}
export function isDirectory(v: unknown): v is CwlDirectory {
  return typeof v === 'object' && v !== null && (v as { class?: unknown }).class === 'Directory';
}
