/**
 * Schema-salad document directives: `$import` (replace the object by another parsed document) and
 * `$include` (replace it by another file's text). Schema Salad spec, "Import" and "Include".
 */
import { DocumentInvalidError, DocumentNotFoundError } from '../errors.js';
import { displayName, resolveUri } from './documentRef.js';

/** What the directive resolver needs from the document store. */
export interface DirectiveSource {
  /** The parsed YAML of a document (cached). */
  parsed(uri: string): Promise<unknown>;
  /** The raw text of a document (cached). */
  text(uri: string): Promise<string>;
}

/** The reason part of a DocumentNotFoundError ("no such file"). */
function reasonOf(err: DocumentNotFoundError): string {
  return err.detail.startsWith(`${err.uri}: `) ? err.detail.slice(err.uri.length + 2) : err.detail;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Return `node` with every `{$import: ref}` / `{$include: ref}` replaced, resolved against `baseUri`.
 * Imported documents are resolved against their own URI, and the names of record/enum types they
 * define are made absolute there, so `other.yml#Rec` references find them (Schema Salad, "Identifier
 * resolution").
 */
export async function resolveDirectives(node: unknown, baseUri: string, source: DirectiveSource, seen: string[] = []): Promise<unknown> {
  if (Array.isArray(node)) {
    const out: unknown[] = [];
    for (const item of node) out.push(await resolveDirectives(item, baseUri, source, seen));
    return out;
  }
  if (!isPlainObject(node)) return node;
  const keys = Object.keys(node);
  if (keys.length === 1 && typeof node.$include === 'string') {
    return source.text(resolveUri(node.$include, baseUri)).catch((err: unknown) => {
      if (!(err instanceof DocumentNotFoundError)) throw err;
      throw new DocumentNotFoundError(err.uri, `${reasonOf(err)} ($include in ${displayName(baseUri)})`, { cause: err });
    });
  }
  if (keys.length === 1 && typeof node.$import === 'string') {
    const uri = resolveUri(node.$import, baseUri);
    if (seen.includes(uri)) {
      throw new DocumentInvalidError({ file: displayName(baseUri), field: '$import' }, `$import cycle: ${[...seen, uri].map(displayName).join(' -> ')}; remove one of the imports`);
    }
    let parsed: unknown;
    try {
      parsed = await source.parsed(uri);
    } catch (err) {
      if (!(err instanceof DocumentNotFoundError)) throw err;
      throw new DocumentNotFoundError(err.uri, `${reasonOf(err)} ($import in ${displayName(baseUri)})`, { cause: err });
    }
    const imported = await resolveDirectives(parsed, uri, source, [...seen, uri]);
    return absolutiseTypeNames(imported, uri);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    // `run: {$import: tool.cwl}` means the same as `run: tool.cwl`: keep it a reference, so the
    // process loads as its own document (its relative references resolve against its own URI).
    if (k === 'run' && isPlainObject(v) && Object.keys(v).length === 1 && typeof v.$import === 'string') out[k] = resolveUri(v.$import, baseUri);
    else out[k] = await resolveDirectives(v, baseUri, source, seen);
  }
  return out;
}

/** `#Name` type references inside an imported document point into that document. */
function absolutiseTypeRef(v: unknown, docUri: string): unknown {
  if (typeof v === 'string') return v.startsWith('#') ? resolveUri(v, docUri) : v;
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'string' ? absolutiseTypeRef(x, docUri) : x));
  return v;
}

/** Give record/enum definitions of an imported document absolute names in that document. */
function absolutiseTypeNames(node: unknown, docUri: string): unknown {
  if (Array.isArray(node)) return node.map((n) => absolutiseTypeNames(n, docUri));
  if (!isPlainObject(node)) return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    out[k] = absolutiseTypeNames(k === 'type' || k === 'items' ? absolutiseTypeRef(v, docUri) : v, docUri);
  }
  if ((node.type === 'record' || node.type === 'enum') && typeof node.name === 'string' && !node.name.includes(':')) {
    out.name = resolveUri(node.name.startsWith('#') ? node.name : `#${node.name}`, docUri);
  }
  return out;
}
