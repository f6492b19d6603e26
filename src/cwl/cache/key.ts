/**
 * The key of a tool job in the job cache (docs/cache.md, "The key"): everything that decides what
 * the job computes, and nothing that only says where it runs.
 *
 * - the tool document's content (its normalised model without `id` and `baseUri`, so a renamed or
 *   moved copy of the same document hits), its requirements and hints taken from those in force;
 * - the bound input values, each File and Directory replaced by its content: the sha1 of each file
 *   (a Directory by its entries, recursively), or, with checksums off, its size, mtime and inode;
 *   basename, format, secondaryFiles and loaded contents stay, as the command line may see them;
 * - the requirements in force that change the result: all of them except WorkReuse and
 *   ToolTimeLimit (a limit does not change a successful result), and ResourceRequirement only when
 *   the tool reads `runtime.cores`, `runtime.ram` or the sizes;
 * - the environment the runner passes on (--preserve-environment), the container the job runs in
 *   (`options.container`, opaque apart from the fields in CONTAINER_FIELDS_IGNORED) and whether it
 *   runs in one on this node: a hinted image with no engine found runs on the host, and those
 *   results are not the container's; whether output checksums are computed (they are part of the
 *   output object), and CACHE_FORMAT.
 *
 * The key is computed where the job runs (the cache wraps the job runner), so "this node" is the
 * one that would run it.
 */
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash, stringifyJson } from '../../util/index.js';
import { DEFAULT_CONTAINER_SETTINGS, findEngine } from '../containers/index.js';
import type { JobSpec } from '../jobSpec.js';
import type { Requirement } from '../model.js';

/**
 * Bumped when the entry layout changes: entries of another format are never read. A change to what
 * the key hashes needs no bump: older entries just never match again, and `cache prune` removes them.
 */
export const CACHE_FORMAT = 1;

/** Requirement classes that never change what a successful job computes. */
const REQUIREMENTS_IGNORED = new Set(['WorkReuse', 'ToolTimeLimit']);

/**
 * Fields of `options.container` that say how the image is reached, not what runs: the engine's
 * program path and the folder images are cached in. Everything else (engine, image, ...) is keyed.
 */
const CONTAINER_FIELDS_IGNORED = new Set(['exe', 'cacheDir', 'log', 'signal', 'pullTimeoutSec']);

/** The key of `spec` (64 hex digits). Rejects when an input file cannot be read. */
export async function jobCacheKey(spec: JobSpec): Promise<string> {
  return createHash('sha256').update(stringifyJson(await keyView(spec)) ?? '').digest('hex');
}

/** What the key hashes, as canonical JSON-able data (object keys sorted). Exported for tests. */
export async function keyView(spec: JobSpec): Promise<unknown> {
  const checksums = spec.options?.cache?.checksums ?? true;
  const { id: _id, baseUri: _base, requirements: _r, hints: _h, ...content } = spec.tool as unknown as Record<string, unknown>;
  const toolText = stringifyJson(content) ?? '';
  const readsResources = /runtime\.(cores|ram|tmpdirSize|outdirSize)/.test(toolText);
  const keep = (list: readonly Requirement[]) => list.filter((r) => !REQUIREMENTS_IGNORED.has(r.class) && (readsResources || r.class !== 'ResourceRequirement'));
  const container = spec.options?.container;
  return canonical({
    format: CACHE_FORMAT,
    tool: content,
    requirements: keep(spec.requirements),
    hints: keep(spec.hints),
    inputs: await contentView(spec.inputs, checksums),
    environment: spec.options?.environment ?? {},
    container: containerView(container),
    inContainer: runsInContainer(spec),
    outputChecksums: spec.options?.computeChecksum ?? true,
  });
}

/** Whether the job would run in a container here: an image to run (a DockerRequirement or `--default-container`), containers not off, an engine found. */
function runsInContainer(spec: JobSpec): boolean {
  const settings = spec.options?.container ?? DEFAULT_CONTAINER_SETTINGS;
  const image = [...spec.requirements, ...spec.hints].some((r) => r.class === 'DockerRequirement') || settings.defaultContainer !== undefined;
  return image && settings.mode !== 'off' && findEngine(settings.mode, settings.exe) !== undefined;
}

function containerView(container: unknown): unknown {
  if (typeof container !== 'object' || container === null) return container ?? null;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(container)) if (!CONTAINER_FIELDS_IGNORED.has(k)) out[k] = typeof v === 'object' && v !== null && !Array.isArray(v) ? containerView(v) : v;
  return out;
}

/** Objects with their keys sorted, recursively, so equal values give equal text. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = canonical(v);
  }
  return out;
}

function localPath(v: Record<string, unknown>): string | undefined {
  if (typeof v.path === 'string') return v.path;
  if (typeof v.location === 'string') {
    if (v.location.startsWith('file://')) return fileURLToPath(v.location);
    if (!v.location.includes('://')) return v.location;
  }
  return undefined;
}

/** Input values with Files and Directories replaced by what they hold; paths and locations dropped. */
async function contentView(value: unknown, checksums: boolean): Promise<unknown> {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return Promise.all(value.map((v) => contentView(v, checksums)));
  const obj = value as Record<string, unknown>;
  if (obj.class === 'File' || obj.class === 'Directory') {
    const path = localPath(obj);
    const view: Record<string, unknown> = { class: obj.class, basename: obj.basename ?? (path !== undefined ? path.slice(path.lastIndexOf('/') + 1) : undefined) };
    for (const field of ['format', 'contents', 'writable']) if (obj[field] !== undefined) view[field] = obj[field];
    if (obj.secondaryFiles !== undefined) view.secondaryFiles = await contentView(obj.secondaryFiles, checksums);
    if (path === undefined) {
      // A literal: its listing (a Directory) is its content.
      if (obj.listing !== undefined) view.listing = await contentView(obj.listing, checksums);
    } else {
      view.data = obj.class === 'File' ? await fileDigest(path, checksums) : await directoryDigest(path, checksums);
    }
    return view;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(obj)) out[key] = await contentView(obj[key], checksums);
  return out;
}

/** sha1 of a file's content, remembered per (path, size, mtime, inode) for this process. */
const sha1s = new Map<string, string>();

async function fileDigest(path: string, checksums: boolean): Promise<string> {
  const st = await stat(path);
  const id = `${st.size}:${st.mtimeMs}:${st.ino}`;
  if (!checksums) return `stat:${id}`;
  const memo = `${path}\u0000${id}`;
  const known = sha1s.get(memo);
  if (known !== undefined) return known;
  const hash = createHash('sha1');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  const digest = `sha1:${hash.digest('hex')}`;
  sha1s.set(memo, digest);
  return digest;
}

async function directoryDigest(path: string, checksums: boolean): Promise<string> {
  const hash = createHash('sha1');
  const entries = await readdir(path, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const child = join(path, e.name);
    const st = await stat(child);
    hash.update(`${e.name}\u0000${st.isDirectory() ? `d:${await directoryDigest(child, checksums)}` : `f:${await fileDigest(child, checksums)}`}\n`);
  }
  return `dir:${hash.digest('hex')}`;
}
