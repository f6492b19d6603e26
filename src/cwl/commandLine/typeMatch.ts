/**
 * Does a value have a CWL type? Used to pick the branch of a union when binding inputs
 * (CommandLineBinding: "an implementation must use the data type of the effective value") and to
 * type-check collected outputs (Output binding: "the output object should still be type-checked").
 */
import type { CwlType, EnumType, RecordType } from '../model.js';
import { isDirectory, isFile } from '../model.js';

export function valueMatchesType(type: CwlType, value: unknown): boolean {
  if (Array.isArray(type)) return type.some((t) => valueMatchesType(t, value));
  if (typeof type === 'string') {
    switch (type) {
      case 'null':
        return value === null || value === undefined;
      case 'Any':
        return value !== null && value !== undefined;
      case 'boolean':
        return typeof value === 'boolean';
      case 'string':
        return typeof value === 'string';
      case 'int':
        return typeof value === 'number' && Number.isInteger(value);
      // An exact integer outside Number's safe range is a BigInt (src/util/exactJson.ts); like cwltool,
      // which takes a Python int for a double, it is a float/double too.
      case 'long':
        return (typeof value === 'number' && Number.isInteger(value)) || typeof value === 'bigint';
      case 'float':
      case 'double':
        return typeof value === 'number' || typeof value === 'bigint';
      case 'File':
      case 'stdout':
      case 'stderr':
      case 'stdin':
        return isFile(value);
      case 'Directory':
        return isDirectory(value);
      default:
        return false;
    }
  }
  switch (type.type) {
    case 'array':
      return Array.isArray(value) && value.every((v) => valueMatchesType(type.items, v));
    case 'enum':
      return typeof value === 'string' && enumHasSymbol(type, value);
    case 'record':
      return recordMatches(type, value);
    default:
      return false;
  }
}

/**
 * Loaded symbols are as written (`OTU table`, `a/b`, `taxa#2`) and match exactly; a symbol given as
 * a full id (`file.cwl#input/a`, a type built by hand) matches by its short name too.
 */
export function enumHasSymbol(type: EnumType, value: string): boolean {
  return type.symbols.some((s) => s === value || (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(s) && shortName(s) === value));
}

/** The last part of an id: `file:///a.cwl#in/sym` → `sym`. */
export function shortName(id: string): string {
  const hash = id.lastIndexOf('#');
  const tail = hash >= 0 ? id.slice(hash + 1) : id;
  const slash = tail.lastIndexOf('/');
  return slash >= 0 ? tail.slice(slash + 1) : tail;
}

function recordMatches(type: RecordType, value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || isFile(value) || isDirectory(value)) return false;
  const rec = value as Record<string, unknown>;
  return type.fields.every((f) => valueMatchesType(f.type, rec[shortName(f.name)]));
}

/** The branch of a (possibly union) type that `value` matches, or undefined. Non-union types are returned as they are. */
export function matchingType(type: CwlType, value: unknown): Exclude<CwlType, CwlType[]> | undefined {
  if (!Array.isArray(type)) return valueMatchesType(type, value) ? type : undefined;
  for (const t of type) {
    const m = matchingType(t, value);
    if (m !== undefined) return m;
  }
  return undefined;
}
