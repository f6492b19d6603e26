/**
 * Reading document text and parsing it as YAML (a superset of JSON) with js-yaml 5, integers exact
 * (src/util/yamlValues.ts) and within the reading limits.
 * Failures become DocumentNotFoundError / YamlSyntaxError naming file:line:col, DocumentLimitError.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { loadAll, YAMLException } from 'js-yaml';
import { DocumentLimitError, DocumentNotFoundError, YamlSyntaxError } from '../errors.js';
import { EXACT_CORE_SCHEMA, exactYaml4Schema } from '../../util/yamlValues.js';
import { DEFAULT_YAML_LIMITS, yamlLimitBroken, type YamlLimits } from '../../util/index.js';
import { displayName, stripFragment, uriToPath } from './documentRef.js';
import { fetchRemoteText, RemoteFetchError } from './remoteText.js';

/** Read the text behind a URI: file:// from disk, http(s):// with fetch. */
export async function readText(uri: string): Promise<string> {
  const target = stripFragment(uri);
  if (target.startsWith('file:')) {
    try {
      return await readFile(uriToPath(target), 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a document' : `cannot be read (${code ?? String(err)})`;
      throw new DocumentNotFoundError(displayName(target), reason, { cause: err });
    }
  }
  if (target.startsWith('http:') || target.startsWith('https:')) {
    try {
      return await fetchRemoteText(target);
    } catch (err) {
      const reason = err instanceof RemoteFetchError ? err.message : `could not be fetched (${describeFetchFailure(err)})`;
      throw new DocumentNotFoundError(target, reason, { cause: err });
    }
  }
  throw new DocumentNotFoundError(target, 'unsupported URI scheme (use a path, file://, http:// or https://)');
}

/** Node's fetch says only "fetch failed"; the reason (refused, certificate, DNS) is in its cause. */
function describeFetchFailure(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error ? cause.message : err instanceof Error ? err.message : String(err);
}

/**
 * js-yaml 4, for text js-yaml 5 rejects but YAML parsers in the CWL world accept (cwltool's ruamel
 * takes a flow sequence continued at the key's indentation, which js-yaml 5 calls "deficient
 * indentation"). Loaded only on that path.
 */
function lenientParse(text: string): { ok: true; docs: unknown[] } | { ok: false } {
  try {
    const yaml4 = createRequire(import.meta.url)('js-yaml-4') as { loadAll(text: string, options?: { schema?: unknown }): unknown[] };
    return { ok: true, docs: yaml4.loadAll(text, { schema: exactYaml4Schema() }) };
  } catch {
    return { ok: false };
  }
}

/** Parse YAML/JSON text; `file` names the source in errors. */
export function parseYaml(text: string, file: string, limits: YamlLimits = DEFAULT_YAML_LIMITS): unknown {
  // Checked before parsing too: a huge text is refused without building it.
  if (text.length > limits.maxChars) throw new DocumentLimitError(file, yamlLimitBroken(text, null, limits) ?? 'too large');
  let docs: unknown[];
  try {
    // loadAll: an empty (or comments-only) file is null rather than an error; job files may be empty.
    docs = loadAll(text, { filename: file, schema: EXACT_CORE_SCHEMA });
  } catch (err) {
    if (!(err instanceof YAMLException)) throw err;
    const lenient = lenientParse(text);
    if (!lenient.ok) {
      const mark = err.mark;
      const location = mark ? { file, line: mark.line + 1, column: mark.column + 1 } : { file };
      throw new YamlSyntaxError(location, `malformed YAML: ${err.reason}`, { cause: err });
    }
    docs = lenient.docs;
  }
  if (docs.length > 1) throw new YamlSyntaxError({ file }, `${docs.length} YAML documents in one file (separated by '---'); keep one`);
  const doc = docs[0] ?? null;
  const broken = yamlLimitBroken(text, doc, limits);
  if (broken !== undefined) throw new DocumentLimitError(file, broken);
  return doc;
}
