/**
 * Document references: `tool.cwl`, `/abs/tool.cwl#main`, `file:///x/packed.cwl#step`.
 * Everything inside the loader works on absolute URIs; these helpers turn paths into them and back.
 */
import { isAbsolute, resolve as resolvePath } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface DocumentRef {
  /** Absolute URI of the file, without a fragment. */
  fileUri: string;
  /** The `#fragment` (without `#`), when one was given. */
  fragment?: string;
}

const SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;

/** True when `ref` is already a URI (has a scheme). Windows drive letters do not occur here. */
export function hasScheme(ref: string): boolean {
  return SCHEME.test(ref);
}

/** Turn a path (relative to `cwd`) or URI into an absolute URI. */
export function toUri(pathOrUri: string, cwd: string = process.cwd()): string {
  if (hasScheme(pathOrUri)) return pathOrUri;
  return pathToFileURL(isAbsolute(pathOrUri) ? pathOrUri : resolvePath(cwd, pathOrUri)).href;
}

/** Split `path-or-uri#fragment` into the file URI and the fragment. */
export function parseDocumentRef(ref: string, cwd: string = process.cwd()): DocumentRef {
  const hash = ref.indexOf('#');
  const file = hash < 0 ? ref : ref.slice(0, hash);
  const fragment = hash < 0 ? undefined : ref.slice(hash + 1);
  const fileUri = toUri(file, cwd);
  return fragment ? { fileUri, fragment } : { fileUri };
}

/** Resolve a reference found inside a document against the document's URI (RFC 3986). */
export function resolveUri(ref: string, baseUri: string): string {
  return new URL(ref, baseUri).href;
}

/** The URI without its fragment. */
export function stripFragment(uri: string): string {
  const hash = uri.indexOf('#');
  return hash < 0 ? uri : uri.slice(0, hash);
}

/** The URI of the folder a document lives in, with a trailing slash. */
export function folderUri(uri: string): string {
  return new URL('.', stripFragment(uri)).href;
}

/** A local path for a file:// URI; other URIs are returned unchanged (for messages). */
export function uriToPath(uri: string): string {
  return uri.startsWith('file:') ? fileURLToPath(stripFragment(uri)) : uri;
}

/** A short name for messages: the path for file:// URIs, the URI otherwise. */
export function displayName(uri: string): string {
  return uri.startsWith('file:') ? uriToPath(uri) : uri;
}
