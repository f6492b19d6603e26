/**
 * `--provenance DIR`: the run as a Workflow Run RO-Crate, Provenance Run Crate profile 0.5
 * (docs/report.md#provenance): the workflow and tool documents, the inputs and outputs with their
 * sha1 and size, one CreateAction per tool run (step instance, scatter included) with its start
 * and end, command line and container image, a ControlAction tying it to its step, and an
 * OrganizeAction of parsl-cwl, the engine.
 *
 * JSON-LD written directly by the profile, not through an RO-Crate library: the crate is one flat
 * list of plain entities, and the profile's rules are what the tests check.
 */
import { copyFileSync, cpSync, createReadStream, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash, ErrorCode, packageVersion, ParslCwlError, stringifyJson } from '../../util/index.js';
import type { CwlType, Process, Workflow } from '../../cwl/index.js';
import type { RunRecord, TaskRow } from '../../dataflow/record/model.js';
import { shellLine } from '../runReport/shellWords.js';

export const RO_CRATE = 'https://w3id.org/ro/crate/1.1';
export const CONTEXT = ['https://w3id.org/ro/crate/1.1/context', 'https://w3id.org/ro/terms/workflow-run/context'];
export const PROFILES = {
  process: 'https://w3id.org/ro/wfrun/process/0.5',
  workflow: 'https://w3id.org/ro/wfrun/workflow/0.5',
  provenance: 'https://w3id.org/ro/wfrun/provenance/0.5',
  workflowRoCrate: 'https://w3id.org/workflowhub/workflow-ro-crate/1.0',
} as const;
const CWL_LANGUAGE = 'https://w3id.org/workflowhub/workflow-ro-crate#cwl';
const ENGINE = '#parsl-cwl';

/** Thrown when the crate cannot be made: a folder that is not empty, a file that cannot be copied. */
export class ProvenanceError extends ParslCwlError {
  constructor(readonly dir: string, reason: string, options?: { cause?: unknown }) {
    super(ErrorCode.ProvenanceFailed, `--provenance ${dir}: ${reason}`, { cause: options?.cause, data: { dir } });
  }
}

/** Before the run: DIR must be new or an empty folder, so a crate never mixes two runs. */
export function checkProvenanceDir(dir: string): void {
  if (!existsSync(dir)) return;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    throw new ProvenanceError(dir, 'is not a folder; give a new or empty folder');
  }
  if (entries.length > 0) throw new ProvenanceError(dir, 'is not empty; give a new or empty folder');
}

export interface ProvenanceRun {
  /** The crate's folder. */
  dir: string;
  process: Process;
  /** The bound input object (File values with absolute paths). */
  inputs: Record<string, unknown>;
  /** The final output object (in --outdir); undefined when the run failed. */
  outputs?: Record<string, unknown>;
  /** The run's record: one action per task. */
  record?: RunRecord;
  status: 'succeeded' | 'failed';
  startedAt: number;
  endedAt: number;
  error?: string;
  engineVersion: string;
}

/**
 * The run command's crate: the run's record (in `recordDir`, src/cli/run/recordDir.ts; none with
 * --no-record) read back, then the crate written. A run whose record cannot be read still gets its crate, without step
 * actions (the warning says why).
 */
export async function writeRunProvenance(run: Omit<ProvenanceRun, 'record' | 'endedAt' | 'engineVersion'> & { recordDir: string | undefined; warn?: (line: string) => void }): Promise<string> {
  const { readRunRecord } = await import('../../dataflow/record/index.js');
  let record: RunRecord | undefined;
  if (run.recordDir === undefined) run.warn?.('--provenance with --no-record: the crate has no step actions (they come from the run record)');
  else {
    try {
      record = await readRunRecord(run.recordDir);
    } catch (err) {
      run.warn?.(`--provenance: the run record could not be read, the crate has no step actions: ${(err as Error).message}`);
    }
  }
  const { recordDir: _recordDir, warn: _warn, ...rest } = run;
  return writeProvenanceCrate({ ...rest, ...(record ? { record } : {}), endedAt: Date.now(), engineVersion: packageVersion() });
}

type Entity = { '@id': string; '@type': string | string[]; [k: string]: unknown };
const ref = (id: string) => ({ '@id': id });
const iso = (ms: number) => new Date(ms).toISOString();

/** Writes DIR/ro-crate-metadata.json and copies of the documents, inputs and outputs; returns the metadata file. */
export async function writeProvenanceCrate(run: ProvenanceRun): Promise<string> {
  const dir = path.resolve(run.dir);
  try {
    mkdirSync(dir, { recursive: true });
    return await new CrateWriter(dir, run).write();
  } catch (err) {
    if (err instanceof ProvenanceError) throw err;
    // The message has the cause in it: one line, no "caused by" after it.
    throw new ProvenanceError(run.dir, `cannot write the crate: ${(err as Error).message}; check the folder is writable`);
  }
}

class CrateWriter {
  private readonly graph = new Map<string, Entity>();
  private readonly hasPart: string[] = [];
  private readonly used = new Set<string>();
  /** Document URI (no fragment) → its copy in the crate. */
  private readonly documents = new Map<string, string>();
  /** Step entities by step path (`count/echo` for a subworkflow's step), for the record's tasks. */
  private readonly stepsByName = new Map<string, { howTo: string; tool: string }>();
  /** Files already in the crate, by original path, so a file both input and output is one entity. */
  private readonly filesByPath = new Map<string, string>();

  constructor(
    private readonly dir: string,
    private readonly run: ProvenanceRun,
  ) {}

  private add(e: Entity): Entity {
    const old = this.graph.get(e['@id']);
    if (old) return Object.assign(old, e);
    this.graph.set(e['@id'], e);
    return e;
  }

  /** A crate-relative path not used yet: `base/name`, then `base/2_name`... */
  private place(base: string, name: string): string {
    let rel = `${base}/${name}`;
    for (let n = 2; this.used.has(rel); n++) rel = `${base}/${n}_${name}`;
    this.used.add(rel);
    return rel;
  }

  async write(): Promise<string> {
    const { run } = this;
    const main = this.addProcess(run.process);
    const wfAction = '#run';
    const inputRefs = await this.values(run.process.inputs.map((p) => p.id), run.inputs, 'inputs', main, 'pv-in');
    const outputRefs = run.outputs ? await this.values(run.process.outputs.map((p) => p.id), run.outputs, 'outputs', main, 'pv-out') : [];
    const tasks = run.record?.tasks ?? [];
    const single = run.process.class !== 'Workflow' ? tasks[0] : undefined;
    this.add({
      '@id': wfAction,
      '@type': 'CreateAction',
      name: `Run of ${main}`,
      instrument: ref(main),
      startTime: iso(run.startedAt),
      endTime: iso(run.endedAt),
      object: inputRefs.map(ref),
      result: outputRefs.map(ref),
      actionStatus: ref(run.status === 'succeeded' ? 'http://schema.org/CompletedActionStatus' : 'http://schema.org/FailedActionStatus'),
      ...(run.error !== undefined ? { error: run.error } : {}),
      ...(single ? this.commandFacts(single) : {}),
    });
    const controls: string[] = [];
    if (run.process.class === 'Workflow') for (const t of tasks) controls.push(...this.taskActions(t, main));
    this.add({ '@id': ENGINE, '@type': 'SoftwareApplication', name: 'parsl-cwl', softwareVersion: run.engineVersion });
    this.add({
      '@id': '#engine-run',
      '@type': 'OrganizeAction',
      name: `Run of parsl-cwl ${run.engineVersion}`,
      instrument: ref(ENGINE),
      result: ref(wfAction),
      object: controls.map(ref),
      startTime: iso(run.startedAt),
      endTime: iso(run.endedAt),
    });
    this.add({
      '@id': CWL_LANGUAGE,
      '@type': 'ComputerLanguage',
      name: 'Common Workflow Language',
      alternateName: 'CWL',
      identifier: ref('https://w3id.org/cwl/v1.2/'),
      url: ref('https://www.commonwl.org/'),
      version: 'v1.2',
    });
    // A workflow run is a Provenance Run Crate (and what it extends); a single tool's run has no
    // workflow to describe, and is a Process Run Crate: its tool and the one CreateAction.
    const isWorkflow = run.process.class === 'Workflow';
    const profiles: Array<[string, string, string]> = isWorkflow
      ? [
          [PROFILES.process, 'Process Run Crate', '0.5'],
          [PROFILES.workflow, 'Workflow Run Crate', '0.5'],
          [PROFILES.provenance, 'Provenance Run Crate', '0.5'],
          [PROFILES.workflowRoCrate, 'Workflow RO-Crate', '1.0'],
        ]
      : [[PROFILES.process, 'Process Run Crate', '0.5']];
    for (const [id, name, version] of profiles) this.add({ '@id': id, '@type': 'CreativeWork', name, version });
    const metadata: Entity = {
      '@id': 'ro-crate-metadata.json',
      '@type': 'CreativeWork',
      about: ref('./'),
      conformsTo: isWorkflow ? [ref(RO_CRATE), ref(PROFILES.workflowRoCrate)] : ref(RO_CRATE),
    };
    const root: Entity = {
      '@id': './',
      '@type': 'Dataset',
      name: `Run of ${documentName(splitId(run.process.id)[0])} by parsl-cwl`,
      description: `A ${run.status} run of ${run.process.id}, recorded by parsl-cwl ${run.engineVersion}`,
      datePublished: iso(run.endedAt),
      conformsTo: profiles.map(([id]) => ref(id)),
      mainEntity: ref(main),
      hasPart: this.hasPart.map(ref),
      mentions: [ref(wfAction)],
    };
    const file = path.join(this.dir, 'ro-crate-metadata.json');
    writeFileSync(file, `${stringifyJson({ '@context': CONTEXT, '@graph': [metadata, root, ...this.graph.values()] }, 1)}\n`);
    return file;
  }

  /** The document of a process copied into workflow/, and its entity (recursively for workflows). */
  private addProcess(proc: Process, stepPrefix = ''): string {
    const [uri, fragment] = splitId(proc.id);
    let rel = this.documents.get(uri);
    if (rel === undefined && !uri.startsWith('file:')) {
      // A document loaded from the web: described by its URL (a web data entity), not copied.
      rel = uri;
      this.documents.set(uri, rel);
      this.add({ '@id': rel, '@type': 'File', name: documentName(uri), programmingLanguage: ref(CWL_LANGUAGE) });
    }
    if (rel === undefined) {
      rel = this.place('workflow', documentName(uri));
      mkdirSync(path.join(this.dir, 'workflow'), { recursive: true });
      copyFileSync(fileURLToPath(uri), path.join(this.dir, rel));
      this.documents.set(uri, rel);
      this.hasPart.push(rel);
      this.add({ '@id': rel, '@type': 'File', name: path.basename(rel), programmingLanguage: ref(CWL_LANGUAGE) });
    }
    const id = fragment === undefined ? rel : `${rel}#${fragment}`;
    const isWorkflow = proc.class === 'Workflow';
    const types = isWorkflow ? ['SoftwareSourceCode', 'ComputationalWorkflow', 'HowTo'] : ['SoftwareApplication'];
    const param = (name: string) => `${id}${fragment === undefined ? '#' : '/'}${name}`;
    const entity: Entity = {
      '@id': id,
      '@type': fragment === undefined ? ['File', ...types] : types,
      name: proc.label ?? (fragment ?? path.basename(rel)),
      programmingLanguage: ref(CWL_LANGUAGE),
      input: proc.inputs.map((p) => ref(param(p.id))),
      output: proc.outputs.map((p) => ref(param(p.id))),
    };
    for (const p of [...proc.inputs, ...proc.outputs]) {
      this.add({ '@id': param(p.id), '@type': 'FormalParameter', name: p.id, additionalType: additionalType(p.type) });
    }
    if (isWorkflow) {
      const wf = proc as Workflow;
      const steps: string[] = [];
      const tools: string[] = [];
      wf.steps.forEach((s, i) => {
        const stepPath = stepPrefix ? `${stepPrefix}/${s.id}` : s.id;
        const tool = this.addProcess(s.run, stepPath);
        const howTo = param(s.id);
        this.add({ '@id': howTo, '@type': 'HowToStep', name: s.id, position: String(i), workExample: ref(tool) });
        steps.push(howTo);
        if (!tools.includes(tool)) tools.push(tool);
        this.stepsByName.set(stepPath, { howTo, tool });
      });
      entity.step = steps.map(ref);
      entity.hasPart = tools.map(ref);
    }
    this.add(entity);
    return id;
  }

  /** Entities for an input or output object's values: Files and Directories copied, other values as PropertyValues. */
  private async values(names: string[], obj: Record<string, unknown>, base: string, processId: string, prefix: string): Promise<string[]> {
    const refs: string[] = [];
    const sep = processId.includes('#') ? '/' : '#';
    for (const name of names) {
      if (!(name in obj)) continue;
      const value = obj[name];
      const param = `${processId}${sep}${name}`;
      const files: string[] = [];
      await this.collectFiles(value, base, param, files);
      if (files.length > 0) refs.push(...files);
      else if (value !== null && value !== undefined) {
        const id = `#${prefix}-${name}`;
        this.add({ '@id': id, '@type': 'PropertyValue', name, value: typeof value === 'string' ? value : stringifyJson(value), exampleOfWork: ref(param) });
        refs.push(id);
      }
    }
    return refs;
  }

  private async collectFiles(value: unknown, base: string, param: string, out: string[]): Promise<void> {
    if (Array.isArray(value)) {
      for (const v of value) await this.collectFiles(v, base, param, out);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    const v = value as { class?: string; path?: string; location?: string; secondaryFiles?: unknown[]; format?: string };
    if (v.class === 'File' || v.class === 'Directory') {
      const src = v.path ?? (v.location?.startsWith('file:') ? fileURLToPath(v.location) : undefined);
      if (src === undefined) return;
      const id = v.class === 'File' ? await this.addFile(src, base, v.format) : await this.addDirectory(src, base);
      const e = this.graph.get(id)!;
      const examples = (e.exampleOfWork as Array<{ '@id': string }> | undefined) ?? [];
      if (!examples.some((x) => x['@id'] === param)) e.exampleOfWork = [...examples, ref(param)];
      out.push(id);
      for (const s of v.secondaryFiles ?? []) await this.collectFiles(s, base, param, out);
      return;
    }
    // A record: its fields' files.
    for (const field of Object.values(value)) await this.collectFiles(field, base, param, out);
  }

  private async addFile(src: string, base: string, format?: string): Promise<string> {
    const known = this.filesByPath.get(src);
    if (known) return known;
    const rel = this.place(base, path.basename(src));
    const dest = path.join(this.dir, rel);
    mkdirSync(path.dirname(dest), { recursive: true });
    copyFileSync(src, dest);
    this.filesByPath.set(src, rel);
    this.hasPart.push(rel);
    this.add({
      '@id': rel,
      '@type': 'File',
      name: path.basename(src),
      alternateName: src,
      contentSize: String(statSync(dest).size),
      sha1: await sha1File(dest),
      ...(format ? { encodingFormat: format } : {}),
    });
    return rel;
  }

  private async addDirectory(src: string, base: string): Promise<string> {
    const known = this.filesByPath.get(src);
    if (known) return known;
    const rel = `${this.place(base, path.basename(src))}/`;
    const dest = path.join(this.dir, rel);
    cpSync(src, dest, { recursive: true });
    this.filesByPath.set(src, rel);
    this.hasPart.push(rel);
    const parts: string[] = [];
    for (const f of readdirSync(dest, { recursive: true, withFileTypes: true })) {
      if (!f.isFile()) continue;
      const full = path.join(f.parentPath, f.name);
      const fileRel = path.relative(this.dir, full).split(path.sep).join('/');
      this.add({ '@id': fileRel, '@type': 'File', name: f.name, contentSize: String(statSync(full).size), sha1: await sha1File(full) });
      parts.push(fileRel);
    }
    this.add({ '@id': rel, '@type': 'Dataset', name: path.basename(src), alternateName: src, hasPart: parts.map(ref) });
    return rel;
  }

  /** A task's CreateAction (the tool run) and ControlAction (its step); returns the ControlAction's id. */
  private taskActions(t: TaskRow, main: string): string[] {
    // The record's step is a path with the scatter index of each enclosing subworkflow instance
    // (`count[1]/echo`); steps are found by the path without the indices.
    const step = t.step !== undefined ? this.stepsByName.get(t.step.replace(/\[[^\]]*\]/g, '')) : undefined;
    const label = `${t.step ?? t.name}${t.scatterIndex?.length ? `[${t.scatterIndex.join(',')}]` : ''}`;
    const id = `#task-${t.id}`;
    this.add({
      '@id': id,
      '@type': 'CreateAction',
      name: `Run of ${label}`,
      instrument: ref(step?.tool ?? main),
      ...(t.startedAt !== undefined ? { startTime: iso(t.startedAt) } : {}),
      ...(t.endedAt !== undefined ? { endTime: iso(t.endedAt) } : {}),
      actionStatus: ref(t.state === 'exec_done' || t.state === 'memo_done' ? 'http://schema.org/CompletedActionStatus' : 'http://schema.org/FailedActionStatus'),
      ...(t.state === 'failed' && t.error ? { error: t.errorCode ? `[${t.errorCode}] ${t.error}` : t.error } : {}),
      ...this.commandFacts(t),
    });
    if (!step) return [];
    const control = `#control-${t.id}`;
    this.add({ '@id': control, '@type': 'ControlAction', name: `orchestrate ${label}`, instrument: ref(step.howTo), object: ref(id) });
    return [control];
  }

  /** The command line (as the Process Run Crate's `description`) and container image of a task. */
  private commandFacts(t: TaskRow): Record<string, unknown> {
    const facts: Record<string, unknown> = {};
    if (t.commandLine) facts.description = shellLine(t.commandLine);
    if (t.image) {
      const id = `#image-${createHash('sha1').update(t.image).digest('hex').slice(0, 12)}`;
      const m = /^(?:([^/]+\.[^/]+|localhost(?::\d+)?)\/)?([^:@]+)(?::([^@]+))?(?:@(.+))?$/.exec(t.image);
      this.add({
        '@id': id,
        '@type': 'ContainerImage',
        additionalType: ref('https://w3id.org/ro/terms/workflow-run#DockerImage'),
        name: m?.[2] ?? t.image,
        ...(m?.[1] ? { registry: m[1] } : {}),
        ...(m?.[3] ? { tag: m[3] } : {}),
        ...(m?.[4] ? { sha256: m[4].replace(/^sha256:/, '') } : {}),
      });
      facts.containerImage = ref(id);
    }
    return facts;
  }
}

/** The file name of a document's URI (`file:///dir/wf.cwl` → `wf.cwl`). */
function documentName(uri: string): string {
  return decodeURIComponent(new URL(uri).pathname.split('/').pop() || 'workflow.cwl');
}

function splitId(id: string): [string, string | undefined] {
  const at = id.indexOf('#');
  return at < 0 ? [id, undefined] : [id.slice(0, at), id.slice(at + 1)];
}

/** The Workflow Run Crate's additionalType of a CWL type. */
function additionalType(type: CwlType): string {
  if (Array.isArray(type)) {
    const real = type.filter((t) => t !== 'null');
    return real.length === 1 ? additionalType(real[0]!) : 'DataType';
  }
  if (typeof type === 'object') return type.type === 'array' ? 'Collection' : type.type === 'record' ? 'PropertyValue' : 'Text';
  const map: Record<string, string> = { File: 'File', Directory: 'Dataset', string: 'Text', int: 'Integer', long: 'Integer', float: 'Float', double: 'Float', boolean: 'Boolean', stdout: 'File', stderr: 'File' };
  return map[type] ?? 'DataType';
}

async function sha1File(file: string): Promise<string> {
  const hash = createHash('sha1');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
