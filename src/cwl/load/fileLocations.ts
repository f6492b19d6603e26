/**
 * File/Directory literals in a document (defaults, InitialWorkDir listings) get absolute
 * `location`s, resolved against the document they were written in (CWL v1.2 "File": "location"
 * is a URI; a relative one is resolved against the document's base).
 */
import { dirname, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { resolveUri, uriToPath } from './documentRef.js';

type Raw = Record<string, unknown>;

function isObject(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A copy of `value` with every File/Directory `location` (or bare `path`) made absolute. */
export function absolutiseFileLocations(value: unknown, docUri: string): unknown {
  if (Array.isArray(value)) return value.map((v) => absolutiseFileLocations(v, docUri));
  if (!isObject(value)) return value;
  const out: Raw = {};
  for (const [k, v] of Object.entries(value)) out[k] = absolutiseFileLocations(v, docUri);
  if (value.class === 'File' || value.class === 'Directory') {
    // `_:` locations name literals (blank nodes); they stay as written.
    if (typeof value.location === 'string') out.location = value.location.startsWith('_:') ? value.location : resolveUri(value.location, docUri);
    else if (typeof value.path === 'string') {
      // `path` written in a document means the same as a relative `location`.
      out.location = docUri.startsWith('file:') ? pathToFileURL(resolvePath(dirname(uriToPath(docUri)), value.path)).href : resolveUri(value.path, docUri);
      delete out.path;
    }
  }
  return out;
}
