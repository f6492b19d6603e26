/**
 * Types from cwl-ts-auto's canonical JSON to model.ts `CwlType`: short record field names and enum
 * symbols, no generated names on anonymous types, named types (SchemaDefRequirement) replaced by
 * their definitions. CWL v1.2 "SchemaDefRequirement" and Schema Salad "Identifier resolution".
 */
import type { CommandLineBinding, CwlType, RecordField, SecondaryFileSchema } from '../model.js';
import { DocumentInvalidError } from '../errors.js';

type Raw = Record<string, unknown>;

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'string', 'File', 'Directory', 'Any', 'stdout', 'stderr', 'stdin']);

/** Names that cwl-ts-auto generates for anonymous types (`_<uuid>`), or `_:` blank nodes. */
function isGeneratedName(name: string): boolean {
  return name.startsWith('_:') || /^_[0-9a-f]{8}-[0-9a-f]{4}-/.test(name) || /#_[0-9a-f]{8}-[0-9a-f]{4}-/.test(name);
}

function isObject(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The last path segment of a URI's fragment (`file:///a.cwl#Rec/field` → `field`). */
export function lastSegment(uri: string): string {
  const frag = uri.includes('#') ? uri.slice(uri.indexOf('#') + 1) : uri;
  const slash = frag.lastIndexOf('/');
  return slash < 0 ? frag : frag.slice(slash + 1);
}

/** Short form of a name defined under `scope` (`scope/name` → `name`), else its last segment. */
function shortName(uri: string, scope?: string): string {
  if (scope && uri.startsWith(`${scope}/`)) return uri.slice(scope.length + 1);
  return lastSegment(uri);
}

/** A symbol as written: schemaValidation.ts's escapeEnumSymbols (or cwl-ts-auto) percent-encoded it. */
function decodeSymbol(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Where a type occurs, for messages. */
export interface TypeContext {
  file: string;
  field: string;
  /** Named types in scope (SchemaDefRequirement of this process and its parents), by absolute name. */
  named: Map<string, Raw>;
  /** Resolves a `secondaryFiles` value (shared with parameters). */
  secondaryFiles: (v: unknown) => SecondaryFileSchema[] | undefined;
}

/** Normalise one type expression. `resolving` guards against a named type that refers to itself. */
export function normaliseType(t: unknown, ctx: TypeContext, resolving: string[] = []): CwlType {
  if (Array.isArray(t)) return t.map((x) => normaliseType(x, ctx, resolving));
  if (typeof t === 'string') {
    if (PRIMITIVES.has(t)) return t as CwlType;
    const def = ctx.named.get(t);
    if (!def) {
      throw new DocumentInvalidError(
        { file: ctx.file, field: ctx.field },
        `unknown type '${lastSegment(t)}'; use a CWL type (null, boolean, int, long, float, double, string, File, Directory, Any) or define it in SchemaDefRequirement`,
      );
    }
    if (resolving.includes(t)) throw new DocumentInvalidError({ file: ctx.file, field: ctx.field }, `type '${lastSegment(t)}' refers to itself; CWL types cannot be recursive`);
    return normaliseType(def, ctx, [...resolving, t]);
  }
  if (!isObject(t)) throw new DocumentInvalidError({ file: ctx.file, field: ctx.field }, `invalid type ${JSON.stringify(t)}`);
  const name = typeof t.name === 'string' && !isGeneratedName(t.name) ? t.name : undefined;
  const binding = isObject(t.inputBinding) ? (t.inputBinding as CommandLineBinding) : undefined;
  switch (t.type) {
    case 'array': {
      const out: CwlType = { type: 'array', items: normaliseType(t.items, ctx, resolving) };
      if (binding) out.inputBinding = binding;
      return out;
    }
    case 'enum': {
      const symbols = Array.isArray(t.symbols) ? t.symbols.map((s) => decodeSymbol(shortName(String(s), name))) : [];
      const out: CwlType = { type: 'enum', symbols };
      if (name) out.name = lastSegment(name);
      if (binding) out.inputBinding = binding;
      return out;
    }
    case 'record': {
      const fields: RecordField[] = (Array.isArray(t.fields) ? t.fields : []).map((f) => normaliseField(f, name, ctx, resolving));
      const out: CwlType = { type: 'record', fields };
      if (name) out.name = lastSegment(name);
      if (binding) out.inputBinding = binding;
      return out;
    }
    default:
      // `{type: "File"}` style wrappers and named references in object form.
      if (typeof t.type === 'string' || Array.isArray(t.type)) return normaliseType(t.type, ctx, resolving);
      throw new DocumentInvalidError({ file: ctx.file, field: ctx.field }, `invalid type ${JSON.stringify(t)}`);
  }
}

const FIELD_KEYS = ['doc', 'label', 'inputBinding', 'outputBinding', 'streamable', 'format', 'loadContents', 'loadListing'] as const;

function normaliseField(f: unknown, recordName: string | undefined, ctx: TypeContext, resolving: string[]): RecordField {
  if (!isObject(f) || typeof f.name !== 'string') throw new DocumentInvalidError({ file: ctx.file, field: ctx.field }, 'a record field needs a name and a type');
  const name = shortName(f.name, recordName);
  const out: RecordField = { name, type: normaliseType(f.type, { ...ctx, field: `${ctx.field}.${name}` }, resolving) };
  for (const k of FIELD_KEYS) if (f[k] !== undefined) (out as unknown as Raw)[k] = f[k];
  const sf = ctx.secondaryFiles(f.secondaryFiles);
  if (sf) out.secondaryFiles = sf;
  return out;
}

/** Collect the named types a SchemaDefRequirement list defines, by absolute name. */
export function collectNamedTypes(requirements: unknown[], into: Map<string, Raw>): void {
  for (const r of requirements) {
    if (!isObject(r) || r.class !== 'SchemaDefRequirement' || !Array.isArray(r.types)) continue;
    for (const t of r.types) if (isObject(t) && typeof t.name === 'string') into.set(t.name, t);
  }
}
