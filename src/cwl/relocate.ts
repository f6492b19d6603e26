/**
 * Moving a run's final outputs out of job folders into the user's output directory (`--outdir`),
 * the last step of a run (the reference runner's "relocate outputs").
 *
 * Files and Directories the jobs produced are moved (a rename: no copying on the same file
 * system); anything else the output object points at (an input passed through, a link staged by
 * InitialWorkDirRequirement, a link the tool made to a file inside its output directory) is copied,
 * following links, so `--outdir` holds real files and nothing in it points into a job folder that
 * is about to be removed. Two outputs with the same name do not overwrite each other: the second
 * `out.txt` becomes `out_2.txt`. Locations and paths in the output object (also inside Directory
 * listings and secondaryFiles) are rewritten to the new places.
 *
 * A scatter relocates thousands of files that sit in sibling job folders, so real paths are taken
 * with one lstat per path component and each folder's real path is remembered (a realpath(3)
 * per file would read every folder of the path again), and the per-file calls (lstat, rename) are
 * synchronous: one small system call each, cheaper than a thread-pool round trip.
 */
import { closeSync, existsSync, fchmodSync, lstatSync, mkdirSync, openSync, readFileSync, readdirSync, realpathSync, renameSync, statSync, writeSync } from 'node:fs';
import { copyFile, cp, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ParslCwlError } from '../util/index.js';
import { OutputMissingError, OutputsNotPlacedError } from './errors.js';
import { isDirectory, isFile, type CwlDirectory, type CwlFile } from './model.js';
import { rebase, sourcePath } from './execution/placement.js';
import { setPath } from './execution/pathFields.js';

export interface RelocateOptions {
  /** Folders whose contents may be moved (the jobs' output directories); everything else is copied. */
  movableRoots: string[];
}

/**
 * Files up to this size are copied synchronously, by a read and a write: a thread-pool round trip
 * per file was most of placing 2,000 cached outputs, and for small files libuv's copyfile (which
 * tries a clone and sendfile first) measured 2-3x slower than read + write (docs/cache.md). Larger
 * files go through copyFile in the thread pool so the event loop (signals, progress) is not held up.
 */
const SYNC_COPY_MAX_BYTES = 1 << 20;

/** Copies a small file with its permission bits, as copyFile does. */
function copySmallFile(src: string, dest: string, mode: number): void {
  const data = readFileSync(src);
  const fd = openSync(dest, 'w', mode);
  try {
    for (let off = 0; off < data.length; ) off += writeSync(fd, data, off);
    // open() applies the umask; copyFile keeps the source's bits exactly, and so does this.
    fchmodSync(fd, mode);
  } finally {
    closeSync(fd);
  }
}

export class OutputRelocator {
  private readonly taken = new Set<string>();
  /** Per name, the suffix to try next: claiming 20,000 `out.txt` stays linear (a scatter's outputs). */
  private readonly nextSuffix = new Map<string, number>();
  /** real source path → destination path, so an object listed twice is relocated once. */
  private readonly done = new Map<string, string>();
  private readonly movable: string[];
  /** Sources of output Directories: files inside them are copied, never moved out from under them. */
  private readonly dirSources = new Set<string>();
  /** source path → its real path (links resolved), taken before anything moved. */
  private readonly realPaths = new Map<string, string>();
  /** Names in destDir when relocate() began, or when claim() first found a name taken (a nested literal Directory). */
  private present: Set<string> | undefined;
  /** folder → its real path, shared by the files in it and below it. */
  private readonly realDirs = new Map<string, string>();

  constructor(
    private readonly destDir: string,
    options: RelocateOptions,
  ) {
    this.movable = options.movableRoots.map((r) => path.resolve(r));
  }

  /** Relocate every File/Directory in `outputs`; returns the rewritten output object. */
  async relocate(outputs: Record<string, unknown>): Promise<Record<string, unknown>> {
    try {
      mkdirSync(this.destDir, { recursive: true });
    } catch (err) {
      throw new OutputsNotPlacedError(this.destDir, `cannot be created: ${folderProblem(err as NodeJS.ErrnoException)}`, { cause: err });
    }
    // One listing instead of an existence check per output (2,000 of them in a scatter's outputs).
    this.present = new Set(readdirSync(this.destDir));
    await this.collectSources(outputs);
    const out: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(outputs)) {
      try {
        out[name] = await this.visit(value);
      } catch (err) {
        if (err instanceof ParslCwlError) throw err;
        const e = err as NodeJS.ErrnoException;
        if (e.code === 'ENOENT') throw new OutputMissingError('final outputs', name, `${e.path ?? 'a file'} no longer exists, so it cannot be moved into ${this.destDir}`);
        throw new OutputsNotPlacedError(this.destDir, `output '${name}' cannot be moved there: ${folderProblem(e)}`, { cause: err });
      }
    }
    return out;
  }

  /**
   * Before anything moves: note output Directories, and the real path behind every source, so one
   * file reached through two paths (a link made by InplaceUpdate, say) is relocated once.
   */
  private async collectSources(value: unknown): Promise<void> {
    if (Array.isArray(value)) {
      for (const v of value) await this.collectSources(v);
    } else if (isFile(value) || isDirectory(value)) {
      const src = sourcePath(value);
      if (src !== undefined) {
        if (isDirectory(value)) this.dirSources.add(src);
        try {
          this.realPaths.set(src, this.realPath(src));
        } catch {
          // A missing source is reported when it is moved.
        }
      }
      if (isFile(value)) for (const s of value.secondaryFiles ?? []) await this.collectSources(s);
    } else if (typeof value === 'object' && value !== null) {
      for (const v of Object.values(value)) await this.collectSources(v);
    }
  }

  private async visit(value: unknown): Promise<unknown> {
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      for (const v of value) out.push(await this.visit(v));
      return out;
    }
    if (isFile(value) || isDirectory(value)) return this.relocateEntry(value);
    if (typeof value === 'object' && value !== null) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = await this.visit(v);
      return out;
    }
    return value;
  }

  private async relocateEntry(obj: CwlFile | CwlDirectory): Promise<CwlFile | CwlDirectory> {
    const src = sourcePath(obj);
    const result = { ...obj } as CwlFile | CwlDirectory;
    if (src === undefined) {
      // A literal (an ExpressionTool's File with `contents`, a Directory with a listing): write it out.
      const dest = this.claim(obj.basename ?? (obj.class === 'File' ? 'file' : 'directory'));
      if (isFile(result)) await writeFile(dest, result.contents ?? '');
      else await mkdir(dest, { recursive: true });
      setPath(result, dest);
      if (isDirectory(result) && result.listing) {
        const listing: Array<CwlFile | CwlDirectory> = [];
        for (const e of result.listing) listing.push(await new OutputRelocator(dest, { movableRoots: this.movable }).relocateEntry(e));
        result.listing = listing;
      }
    } else {
      const key = this.realPaths.get(src) ?? src;
      let dest = this.done.get(key);
      if (dest === undefined) {
        dest = this.claim(obj.basename ?? path.basename(src));
        await this.transfer(src, dest, isDirectory(obj));
        this.done.set(key, dest);
      }
      setPath(result, dest);
      if (isDirectory(result) && result.listing) result.listing = result.listing.map((e) => rebase(e, src, dest));
    }
    if (isFile(result)) {
      delete result.dirname;
      delete result.nameroot;
      delete result.nameext;
      if (result.secondaryFiles) {
        const secondaries: Array<CwlFile | CwlDirectory> = [];
        for (const s of result.secondaryFiles) secondaries.push(await this.relocateEntry(s));
        result.secondaryFiles = secondaries;
      }
    }
    return result;
  }

  /** A free destination path for `name`: `name`, then `name_2`, `name_3`... (before the extension). */
  private claim(name: string): string {
    const ext = path.extname(name);
    const root = name.slice(0, name.length - ext.length) || name;
    const suffix = root === name ? '' : ext;
    for (let i = this.nextSuffix.get(name) ?? 1; ; i++) {
      const base = i === 1 ? name : `${root}_${i}${suffix}`;
      const candidate = path.join(this.destDir, base);
      if (this.taken.has(candidate) || this.present?.has(base)) continue;
      if (this.present !== undefined || !existsSync(candidate)) {
        this.taken.add(candidate);
        this.nextSuffix.set(name, i + 1);
        return candidate;
      }
      // A --outdir used before may hold out.txt ... out_200.txt: list it once instead of one
      // stat per name tried (still checked one by one above for names not in the listing).
      this.present ??= new Set(readdirSync(this.destDir));
    }
  }

  /**
   * realpath(3) of `p` (throws as it does when something is missing), built from the real path of
   * its folder, which is remembered, and one lstat of `p` itself.
   */
  private realPath(p: string): string {
    if (!path.isAbsolute(p) || path.normalize(p) !== p) return realpathSync.native(p);
    const parent = path.dirname(p);
    if (parent === p) return p;
    const candidate = path.join(this.realFolder(parent), path.basename(p));
    return lstatSync(candidate).isSymbolicLink() ? realpathSync.native(candidate) : candidate;
  }

  private realFolder(dir: string): string {
    let real = this.realDirs.get(dir);
    if (real === undefined) {
      real = this.realPath(dir);
      this.realDirs.set(dir, real);
    }
    return real;
  }

  private async transfer(src: string, dest: string, isDir: boolean): Promise<void> {
    const st = lstatSync(src);
    // Decide on real paths: a file reached through a linked folder (an input staged as a link
    // inside the outdir) must be copied, never moved: moving it would take the user's input away.
    const realSrc = this.realPaths.get(src) ?? this.realPath(src);
    const root = this.movable.find((r) => src.startsWith(r + path.sep));
    let realRoot: string | undefined;
    if (root !== undefined) {
      try {
        realRoot = this.realFolder(root);
      } catch {
        realRoot = root;
      }
    }
    const movable =
      !st.isSymbolicLink() &&
      root !== undefined &&
      realRoot !== undefined &&
      realSrc === path.join(realRoot, path.relative(root, src)) &&
      (isDir ? !(await containsSymlink(src)) : ![...this.dirSources].some((d) => src.startsWith(d + path.sep)));
    if (movable) {
      try {
        renameSync(src, dest);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
      }
    }
    if (isDir) await cp(src, dest, { recursive: true, dereference: true });
    else {
      const target = st.isSymbolicLink() ? statSync(src) : st;
      if (target.size <= SYNC_COPY_MAX_BYTES) copySmallFile(src, dest, target.mode & 0o7777);
      else await copyFile(src, dest);
    }
  }
}

/** What is wrong with a folder, in words, from the error of a file system call on it. */
export function folderProblem(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'EEXIST':
    case 'ENOTDIR':
      return `a file is in the way (${e.path ?? e.message}); give a folder`;
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return `not writable (${e.code}); give a writable folder`;
    case 'ENOSPC':
    case 'EDQUOT':
      return `no space left (${e.code}); free some or give another folder`;
    default:
      return e.message;
  }
}

async function containsSymlink(dir: string): Promise<boolean> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isSymbolicLink()) return true;
    if (entry.isDirectory() && (await containsSymlink(path.join(dir, entry.name)))) return true;
  }
  return false;
}
