/**
 * JSON Schema for a process's input object, generated from the CWL input types, and validation
 * with ajv. Compiled validators are cached by schema in memory and, as ajv standalone code, on
 * disk; ajv itself is imported only to compile a schema not seen before.
 * CWL v1.2 "CWLType", "InputRecordSchema", "InputEnumSchema", "InputArraySchema".
 */
import type { CwlType, InputParameter } from '../model.js';
import { isOptional } from './typeText.js';
import { bigIntsAsNumbers, containsBigInt } from '../../util/index.js';
import { compiledValidator, type AjvError, type Validate } from './validatorCache.js';

export type JsonSchema = Record<string, unknown>;

const INT32 = { type: 'integer', minimum: -2147483648, maximum: 2147483647 };

/** The location fields a File/Directory value may carry (after normalisation, most have all). */
function fileSchema(cls: 'File' | 'Directory'): JsonSchema {
  const properties: JsonSchema = {
    class: { const: cls },
    location: { type: 'string' },
    path: { type: 'string' },
    basename: { type: 'string' },
  };
  if (cls === 'File') {
    Object.assign(properties, {
      contents: { type: 'string' },
      format: { type: 'string' },
      checksum: { type: 'string' },
      size: { type: 'integer', minimum: 0 },
      secondaryFiles: { type: 'array', items: { type: 'object', required: ['class'], properties: { class: { enum: ['File', 'Directory'] } } } },
    });
  } else {
    properties.listing = { type: 'array', items: { type: 'object', required: ['class'], properties: { class: { enum: ['File', 'Directory'] } } } };
  }
  // A File needs somewhere to come from: a location, a path, or literal contents (Directory: listing).
  const sources = cls === 'File' ? ['location', 'path', 'contents'] : ['location', 'path', 'listing'];
  return { type: 'object', required: ['class'], properties, anyOf: sources.map((s) => ({ required: [s] })) };
}

/** The JSON Schema of one CWL type. */
export function typeSchema(t: CwlType): JsonSchema {
  if (Array.isArray(t)) {
    const branches = t.map(typeSchema);
    return branches.length === 1 && branches[0] ? branches[0] : { anyOf: branches };
  }
  if (typeof t === 'string') {
    switch (t) {
      case 'null':
        return { type: 'null' };
      case 'boolean':
        return { type: 'boolean' };
      case 'int':
        return INT32;
      case 'long':
        return { type: 'integer' };
      case 'float':
      case 'double':
        return { type: 'number' };
      case 'string':
        return { type: 'string' };
      case 'File':
      case 'stdin':
        return fileSchema('File');
      case 'Directory':
        return fileSchema('Directory');
      case 'Any':
        // CWL "Any" is any non-null value.
        return { not: { type: 'null' } };
      default:
        // stdout/stderr only occur on outputs.
        return {};
    }
  }
  switch (t.type) {
    case 'array':
      return { type: 'array', items: typeSchema(t.items) };
    case 'enum':
      return { type: 'string', enum: t.symbols };
    case 'record': {
      const properties: JsonSchema = {};
      const required: string[] = [];
      for (const f of t.fields) {
        properties[f.name] = typeSchema(f.type);
        if (!isOptional(f.type)) required.push(f.name);
      }
      return { type: 'object', properties, required };
    }
  }
}

/** The schema of a whole input object: one property per input; non-optional inputs are required. */
export function inputObjectSchema(inputs: readonly InputParameter[]): JsonSchema {
  const properties: JsonSchema = {};
  const required: string[] = [];
  for (const p of inputs) {
    properties[p.id] = typeSchema(p.type);
    if (!isOptional(p.type)) required.push(p.id);
  }
  return { type: 'object', properties, required };
}

/** One failure reported by the validator. */
export interface SchemaFailure {
  /** Input name (first path segment). */
  input: string;
  /** JSON pointer below the input (`/0/name`), empty for the input itself. */
  pointer: string;
  /** ajv's keyword (`type`, `enum`, `required`, ...). */
  keyword: string;
  message: string;
  /** For `required` at the top: the missing input. */
  missing?: string;
}

const byInputs = new WeakMap<readonly InputParameter[], Validate>();

/** Validate an input object against the schema of `inputs`; undefined when it is valid. */
export async function validateInputObject(inputs: readonly InputParameter[], value: Record<string, unknown>): Promise<SchemaFailure | undefined> {
  // A scattered step validates the same process's inputs thousands of times: skip rebuilding its schema.
  let validate = byInputs.get(inputs);
  if (!validate) {
    validate = await compiledValidator(inputObjectSchema(inputs));
    byInputs.set(inputs, validate);
  }
  if (validate(value)) return undefined;
  // ajv knows Numbers only: an exact (BigInt) integer is checked as its nearest Number, on this
  // rare path only, so ordinary objects are not copied.
  if (containsBigInt(value) && validate(bigIntsAsNumbers(value))) return undefined;
  const err = mostSpecific(validate.errors ?? []);
  if (!err) return { input: '', pointer: '', keyword: 'unknown', message: 'invalid input object' };
  if (err.instancePath === '' && err.keyword === 'required') {
    const missing = String(err.params.missingProperty);
    return { input: missing, pointer: '', keyword: 'required', message: 'missing', missing };
  }
  const parts = err.instancePath.split('/').slice(1);
  const input = decodePointer(parts[0] ?? '');
  return { input, pointer: parts.length > 1 ? `/${parts.slice(1).join('/')}` : '', keyword: err.keyword, message: err.message ?? err.keyword };
}

/**
 * For a union, ajv reports every branch's failure. The deepest one is where the value went wrong
 * (`["a", 1]` against `string[]?` fails at `/1`, not at "must be null"); among equals, one that is
 * not the `null` branch.
 */
function mostSpecific(errors: AjvError[]): AjvError | undefined {
  let best: AjvError | undefined;
  const depth = (e: AjvError): number => (e.instancePath === '' ? 0 : e.instancePath.split('/').length);
  const isNullBranch = (e: AjvError): boolean => e.keyword === 'type' && e.params.type === 'null';
  for (const e of errors) {
    if (e.keyword === 'anyOf') continue;
    if (!best || depth(e) > depth(best) || (depth(e) === depth(best) && isNullBranch(best) && !isNullBranch(e))) best = e;
  }
  return best ?? errors[0];
}

function decodePointer(s: string): string {
  return s.replace(/~1/g, '/').replace(/~0/g, '~');
}
