/**
 * Job files (the input object) in YAML or JSON. Relative File/Directory `location`/`path` values
 * resolve against the job file; `cwl:requirements` is kept apart for the runner (CWL v1.2
 * "Requirements and hints": requirements may be given in the input object).
 */
import type { Requirement } from '../model.js';
import { InputInvalidError } from '../errors.js';
import { displayName, toUri } from '../load/documentRef.js';
import { parseYaml, readText } from '../load/yamlSource.js';
import { absolutiseFileLocations } from '../load/fileLocations.js';

export interface JobFile {
  /** URI of the job file. */
  uri: string;
  /** The input object; File/Directory locations are absolute URIs. */
  inputs: Record<string, unknown>;
  /** `cwl:requirements` of the job (empty when none). */
  requirements: Requirement[];
}

const REQUIREMENTS_KEYS = ['cwl:requirements', 'https://w3id.org/cwl/cwl#requirements'];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `prefix:name` → the namespace IRI + `name`, when the job's `$namespaces` defines the prefix. */
function expandPrefix(name: string, namespaces: Record<string, string>): string {
  const colon = name.indexOf(':');
  const ns = colon > 0 ? namespaces[name.slice(0, colon)] : undefined;
  return ns ? ns + name.slice(colon + 1) : name;
}

/** Expand `prefix:name` in `format` fields with the job's `$namespaces`. */
function expandFormats(value: unknown, namespaces: Record<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => expandFormats(v, namespaces));
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = expandFormats(v, namespaces);
  if (value.class === 'File' && typeof value.format === 'string') out.format = expandPrefix(value.format, namespaces);
  return out;
}

/**
 * Read a job file. An empty file is an empty input object.
 * @throws DocumentNotFoundError, YamlSyntaxError, InputInvalidError (not a mapping)
 */
export async function loadJobFile(pathOrUri: string, options: { cwd?: string } = {}): Promise<JobFile> {
  const uri = toUri(pathOrUri, options.cwd);
  const parsed = parseYaml(await readText(uri), displayName(uri));
  if (parsed === null || parsed === undefined) return { uri, inputs: {}, requirements: [] };
  if (!isObject(parsed)) throw new InputInvalidError('(job file)', `${displayName(uri)} must hold a mapping of input names to values`);
  const inputs: Record<string, unknown> = {};
  let requirements: Requirement[] = [];
  const namespaces = isObject(parsed.$namespaces) ? (parsed.$namespaces as Record<string, string>) : {};
  for (const [k, v] of Object.entries(parsed)) {
    if (REQUIREMENTS_KEYS.includes(k) || REQUIREMENTS_KEYS.includes(expandPrefix(k, namespaces))) {
      requirements = (Array.isArray(v) ? v : isObject(v) ? Object.entries(v).map(([cls, body]) => ({ class: cls, ...(isObject(body) ? body : {}) })) : []) as Requirement[];
      continue;
    }
    if (k === '$namespaces' || k === '$schemas') continue;
    inputs[k] = expandFormats(absolutiseFileLocations(v, uri), namespaces);
  }
  return { uri, inputs, requirements };
}
