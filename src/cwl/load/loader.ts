/**
 * `loadProcess`: a document reference → a normalised, fully resolved model.ts Process.
 *
 * Steps: read + parse YAML (js-yaml 5) → `$import`/`$include` → split the file into process units
 * (the root, each `$graph` entry, each inline step `run`) → per unit: version check and v1.2
 * upgrade → cwl-ts-auto validation → normalisation → load each step's `run` the same way.
 * Everything read is cached per {@link LoadCache}, so a workflow that runs one tool in many steps
 * reads and validates it once.
 */
import type { CwlVersion, Process } from '../model.js';
import { DocumentInvalidError, DocumentNotFoundError, WorkflowInvalidError } from '../errors.js';
import { checkWorkflow } from '../workflow/staticCheck.js';
import { displayName, parseDocumentRef, resolveUri, stripFragment } from './documentRef.js';
import { parseYaml, readText } from './yamlSource.js';
import { resolveDirectives } from './directives.js';
import { checkVersionSyntax, parseCwlVersion, upgradeToV12 } from './cwlVersion.js';
import { validateProcess } from './schemaValidation.js';
import { normaliseProcess } from './normaliseProcess.js';
import { locateField } from './sourcePosition.js';

type Raw = Record<string, unknown>;

function isObject(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** One process object inside a file, before validation. */
interface ProcessUnit {
  /** Absolute URI of the process (`file:///x.cwl`, `file:///x.cwl#main`). */
  uri: string;
  /** URI of the file it is written in. */
  docUri: string;
  raw: Raw;
  /** The version that applies: its own `cwlVersion`, else the enclosing document's. */
  declaredVersion: unknown;
  namespaces?: Record<string, string>;
  schemas?: string[];
  /** Field path from the file root to the unit, for line numbers. */
  rootPath: string[];
}

/** The process units of one file. */
interface FileUnits {
  text: string;
  /** The unit a reference without a fragment means (root, or `#main` of a `$graph`). */
  defaultUri?: string;
  /** Ids of the `$graph` entries, for messages. */
  graphIds: string[];
  units: Map<string, ProcessUnit>;
}

/** Caches shared by loads; pass one to several `loadProcess` calls to share work. */
export class LoadCache {
  readonly texts = new Map<string, Promise<string>>();
  readonly parsed = new Map<string, Promise<unknown>>();
  readonly files = new Map<string, Promise<FileUnits>>();
  readonly processes = new Map<string, Promise<Process>>();
  /**
   * Warnings of the workflow checker (links whose types may not fit), one line each with file,
   * line and field; the caller decides whether to print them. Each workflow is checked once.
   */
  readonly warnings: string[] = [];

  text(uri: string): Promise<string> {
    const key = stripFragment(uri);
    let p = this.texts.get(key);
    if (!p) {
      p = readText(key);
      this.texts.set(key, p);
    }
    return p;
  }

  parsedDocument(uri: string): Promise<unknown> {
    const key = stripFragment(uri);
    let p = this.parsed.get(key);
    if (!p) {
      p = this.text(key).then((t) => parseYaml(t, displayName(key)));
      this.parsed.set(key, p);
    }
    return p;
  }
}

/**
 * Options of loadProcess.
 * @experimental May change before 1.0.
 */
export interface LoadOptions {
  /** Folder relative paths are resolved against (default: `process.cwd()`). */
  cwd?: string;
  /** Share caches between calls (default: a fresh cache per call). */
  cache?: LoadCache;
}

/**
 * Load a CWL document (`tool.cwl`, `wf.cwl#main`, `file:///...`) into the model.
 * @throws DocumentNotFoundError, YamlSyntaxError, DocumentInvalidError, UnsupportedVersionError
 * @experimental May change before 1.0.
 */
export async function loadProcess(ref: string, options: LoadOptions = {}): Promise<Process> {
  const { fileUri, fragment } = parseDocumentRef(ref, options.cwd);
  const cache = options.cache ?? new LoadCache();
  const uri = fragment ? `${fileUri}#${fragment}` : fileUri;
  return loadByUri(uri, cache, new Map(), []);
}

/** Resolve a process URI (with or without fragment) to its unit. */
async function findUnit(uri: string, cache: LoadCache): Promise<ProcessUnit> {
  const fileUri = stripFragment(uri);
  const file = await fileUnits(fileUri, cache);
  const wanted = uri === fileUri ? file.defaultUri : uri;
  const unit = wanted ? file.units.get(wanted) : undefined;
  if (unit) return unit;
  const name = displayName(fileUri);
  if (!wanted) {
    throw new DocumentInvalidError(
      { file: name, field: '$graph' },
      `the $graph has no '#main' entry; name the process to run as ${name}#<id> (entries: ${file.graphIds.join(', ')})`,
    );
  }
  const choices = file.graphIds.length ? file.graphIds : [...file.units.keys()].map((u) => (u.includes('#') ? u.slice(u.indexOf('#') + 1) : '(root)'));
  throw new DocumentInvalidError({ file: name }, `no process '#${wanted.slice(wanted.indexOf('#') + 1)}' in this document; it defines: ${choices.join(', ')}`);
}

function fileUnits(fileUri: string, cache: LoadCache): Promise<FileUnits> {
  let p = cache.files.get(fileUri);
  if (!p) {
    p = splitFile(fileUri, cache);
    cache.files.set(fileUri, p);
  }
  return p;
}

async function splitFile(fileUri: string, cache: LoadCache): Promise<FileUnits> {
  const text = await cache.text(fileUri);
  const parsed = await cache.parsedDocument(fileUri);
  const file = displayName(fileUri);
  const root = await resolveDirectives(parsed, fileUri, { parsed: (u) => cache.parsedDocument(u), text: (u) => cache.text(u) });
  if (!isObject(root)) throw new DocumentInvalidError({ file }, 'a CWL document must be a mapping (with class, inputs, outputs...) or a $graph');
  const namespaces = isObject(root.$namespaces) ? (root.$namespaces as Record<string, string>) : undefined;
  const schemas = Array.isArray(root.$schemas) ? root.$schemas.map(String) : undefined;
  const result: FileUnits = { text, graphIds: [], units: new Map() };
  const add = (unit: ProcessUnit): void => {
    result.units.set(unit.uri, unit);
    extractInlineRuns(unit, result);
  };
  if (Array.isArray(root.$graph)) {
    root.$graph.forEach((entry, i) => {
      if (!isObject(entry)) return;
      const id = typeof entry.id === 'string' ? entry.id : undefined;
      if (!id) throw new DocumentInvalidError({ file, field: `$graph.${i}.id` }, 'every $graph entry needs an id');
      const uri = resolveUri(id.startsWith('#') || id.includes(':') ? id : `#${id}`, fileUri);
      result.graphIds.push(`#${uri.slice(uri.indexOf('#') + 1)}`);
      add({ uri, docUri: fileUri, raw: { ...entry, id: uri }, declaredVersion: entry.cwlVersion ?? root.cwlVersion, namespaces, schemas, rootPath: ['$graph', String(i)] });
    });
    const main = `${fileUri}#main`;
    if (result.units.has(main)) result.defaultUri = main;
    else if (result.graphIds.length === 1) result.defaultUri = [...result.units.keys()][0];
  } else {
    const { $namespaces: _ns, $schemas: _sc, $base: _b, ...raw } = root;
    add({ uri: fileUri, docUri: fileUri, raw, declaredVersion: root.cwlVersion, namespaces, schemas, rootPath: [] });
    result.defaultUri = fileUri;
    // A root process with its own id can also be referenced as file#id.
    if (typeof raw.id === 'string') result.units.set(resolveUri(raw.id.startsWith('#') ? raw.id : `#${raw.id}`, fileUri), result.units.get(fileUri) as ProcessUnit);
  }
  return result;
}

/**
 * Inline `run: {...}` processes become units of their own, referenced by URI. Validating them apart
 * keeps cwl-ts-auto off its process-class union (see schemaValidation.ts) and lets every step's
 * process be loaded the same way.
 */
function extractInlineRuns(unit: ProcessUnit, file: FileUnits): void {
  const steps = unit.raw.steps;
  const entries: Array<[string, unknown]> = Array.isArray(steps)
    ? steps.map((s, i) => [isObject(s) && typeof s.id === 'string' ? s.id : String(i), s])
    : isObject(steps)
      ? Object.entries(steps)
      : [];
  const rewritten: Array<[string, unknown]> = entries.map(([key, step]) => {
    if (!isObject(step) || !isObject(step.run)) return [key, step];
    const stepName = key.startsWith('#') ? key.slice(1).split('/').pop() ?? key : key;
    const own = typeof step.run.id === 'string' ? step.run.id : undefined;
    const uri = own
      ? resolveUri(own.startsWith('#') || own.includes(':') ? own : `#${own}`, unit.docUri)
      : `${unit.uri}${unit.uri.includes('#') ? '/' : '#'}${stepName}/run`;
    const child: ProcessUnit = {
      uri,
      docUri: unit.docUri,
      raw: { ...step.run, id: uri },
      declaredVersion: step.run.cwlVersion ?? unit.declaredVersion,
      namespaces: unit.namespaces,
      schemas: unit.schemas,
      rootPath: [...unit.rootPath, 'steps', key, 'run'],
    };
    file.units.set(uri, child);
    extractInlineRuns(child, file);
    return [key, { ...step, run: uri }];
  });
  if (Array.isArray(steps)) unit.raw = { ...unit.raw, steps: rewritten.map(([, s]) => s) };
  else if (isObject(steps)) unit.raw = { ...unit.raw, steps: Object.fromEntries(rewritten) };
}

async function loadByUri(uri: string, cache: LoadCache, inherited: Map<string, Raw>, loading: string[]): Promise<Process> {
  if (loading.includes(uri)) {
    throw new DocumentInvalidError({ file: displayName(uri), field: 'run' }, `a workflow runs itself: ${[...loading, uri].map(displayName).join(' -> ')}`);
  }
  const key = inherited.size ? `${uri}|${[...inherited.keys()].sort().join(',')}` : uri;
  let p = cache.processes.get(key);
  if (!p) {
    p = loadUnit(uri, cache, inherited, [...loading, uri]);
    cache.processes.set(key, p);
  }
  return p;
}

async function loadUnit(uri: string, cache: LoadCache, inherited: Map<string, Raw>, loading: string[]): Promise<Process> {
  const unit = await findUnit(uri, cache);
  const file = displayName(unit.docUri);
  if (unit.uri !== uri && loading.includes(unit.uri)) {
    throw new DocumentInvalidError({ file, field: 'run' }, `a workflow runs itself: ${[...loading, unit.uri].map(displayName).join(' -> ')}`);
  }
  const text = (await fileUnits(stripFragment(unit.docUri), cache)).text;
  const { version, saved } = await withLine(text, unit.rootPath, async () => {
    const declared: CwlVersion = parseCwlVersion(unit.declaredVersion, file);
    checkVersionSyntax(unit.raw, declared, file);
    // cwl-ts-auto mutates what it loads; the unit stays pristine for other references.
    const raw = structuredClone(unit.raw);
    delete raw.cwlVersion;
    upgradeToV12(raw, declared, unit.namespaces);
    return {
      version: declared,
      saved: await validateProcess({ raw, docUri: unit.docUri, text, rootPath: unit.rootPath, namespaces: unit.namespaces, schemas: unit.schemas }),
    };
  });
  const { process, pendingRuns, namedTypes } = await withLine(text, unit.rootPath, async () =>
    normaliseProcess(saved, {
      file,
      docUri: unit.docUri,
      originalCwlVersion: version,
      namespaces: unit.namespaces,
      schemas: unit.schemas,
      inheritedTypes: inherited,
    }),
  );
  const chain = unit.uri === uri ? loading : [...loading, unit.uri];
  await Promise.all(
    pendingRuns.map(async ({ step, runUri }) => {
      try {
        step.run = await loadByUri(runUri, cache, namedTypes, chain);
      } catch (err) {
        // Say which step pointed at the missing file; the file's own errors already name it.
        if (!(err instanceof DocumentNotFoundError) || err.uri !== displayName(stripFragment(runUri))) throw err;
        const pos = locateField(text, [...unit.rootPath, 'steps', step.id, 'run']);
        const detail = err.detail.startsWith(`${err.uri}: `) ? err.detail.slice(err.uri.length + 2) : err.detail;
        throw new DocumentNotFoundError(err.uri, `${detail} (the 'run' of step '${step.id}' in ${file}${pos ? `:${pos.line}` : ''})`, { cause: err });
      }
    }),
  );
  if (process.class === 'Workflow') {
    // Workflow.yml: sources, ports, cycles and the types of links, before anything runs.
    try {
      const { warnings } = checkWorkflow(process, file);
      for (const w of warnings) {
        const pos = locateField(text, [...unit.rootPath, ...w.field.split('.')]);
        cache.warnings.push(`${file}${pos ? `:${pos.line}` : ''}, field '${w.field}': ${w.message}`);
      }
    } catch (err) {
      if (!(err instanceof WorkflowInvalidError) || !err.location.field || err.location.line !== undefined) throw err;
      const pos = locateField(text, [...unit.rootPath, ...err.location.field.split('.')]);
      throw pos ? new WorkflowInvalidError({ ...err.location, line: pos.line }, err.reason) : err;
    }
  }
  return process;
}

/** Add the line to a DocumentInvalidError that names a field of this unit but no line. */
async function withLine<T>(text: string, rootPath: string[], fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof DocumentInvalidError) || err.location.line !== undefined || !err.location.field) throw err;
    const pos = locateField(text, [...rootPath, ...err.location.field.split('.')]);
    if (!pos) throw err;
    const located = new DocumentInvalidError({ ...err.location, line: pos.line }, err.reason, { cause: err.cause });
    throw located;
  }
}
