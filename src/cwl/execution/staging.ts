/**
 * Making a job's input Files and Directories visible to the tool (CWL v1.2 §Runtime environment:
 * "All files listed in the input object must be made available in the runtime environment").
 *
 * A file is used where it already is when its name and its secondaryFiles already look the way
 * the tool must see them (no copy, no link: the common case costs nothing). Otherwise it gets a
 * staging folder of its own under `<jobDir>/stg/N/` with a symbolic link named after its `basename`
 * and its secondaryFiles beside it. Literals (`contents`, Directory `listing` without location)
 * are written out there.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { StagingError } from '../errors.js';
import { isDirectory, isFile, type CwlDirectory, type CwlFile } from '../model.js';
import { setPath } from './pathFields.js';
import { literalName, placeEntry, sourcePath } from './placement.js';

export class InputStager {
  private counter = 0;
  /** Real locations of everything staged; outputs may point at these (pass-through outputs). */
  readonly sources = new Set<string>();

  constructor(
    private readonly stageRoot: string,
    private readonly jobName: string,
  ) {}

  /** A copy of `inputs` whose File/Directory values have `path`s the tool can use. */
  async stageInputs(inputs: Record<string, unknown>): Promise<Record<string, unknown>> {
    const staged: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(inputs)) {
      try {
        staged[name] = await this.stageValue(value);
      } catch (err) {
        if (err instanceof StagingError) throw err;
        throw new StagingError(this.jobName, `could not stage input '${name}': ${(err as Error).message}`, { cause: err });
      }
    }
    return staged;
  }

  private async stageValue(value: unknown): Promise<unknown> {
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      for (const item of value) out.push(await this.stageValue(item));
      return out;
    }
    if (isFile(value) || isDirectory(value)) return this.stageEntry(value);
    if (typeof value === 'object' && value !== null) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = await this.stageValue(v);
      return out;
    }
    return value;
  }

  private async stageEntry(obj: CwlFile | CwlDirectory): Promise<CwlFile | CwlDirectory> {
    if (obj.location !== undefined && !obj.location.startsWith('_:') && sourcePath(obj) === undefined) {
      throw new StagingError(this.jobName, `${obj.location}: only local files can be staged; download it and give its path`);
    }
    this.recordSources(obj);
    if (usableInPlace(obj)) return inPlace(obj);
    const dir = path.join(this.stageRoot, String(this.counter++));
    await mkdir(dir, { recursive: true });
    const name = obj.basename ?? path.basename(sourcePath(obj) ?? literalName(obj));
    return placeEntry(obj, path.join(dir, name), 'link');
  }

  private recordSources(obj: CwlFile | CwlDirectory): void {
    const src = sourcePath(obj);
    if (src !== undefined) this.sources.add(src);
    if (isFile(obj)) for (const sec of obj.secondaryFiles ?? []) this.recordSources(sec);
    if (isDirectory(obj)) for (const entry of obj.listing ?? []) this.recordSources(entry);
  }
}

/**
 * True when the tool can use the value at its own path: it exists on disk under its `basename`,
 * and each secondaryFile sits beside it under its own `basename` (§SecondaryFileSchema), and a
 * Directory's `listing` (if given) is what is in it.
 */
function usableInPlace(obj: CwlFile | CwlDirectory): boolean {
  const src = sourcePath(obj);
  if (src === undefined) return false;
  if (obj.basename !== undefined && obj.basename !== path.basename(src)) return false;
  if (isFile(obj)) {
    const dir = path.dirname(src);
    return (obj.secondaryFiles ?? []).every((sec) => {
      const secSrc = sourcePath(sec);
      return secSrc !== undefined && path.dirname(secSrc) === dir && usableInPlace(sec);
    });
  }
  return (obj.listing ?? []).every((entry) => {
    const entrySrc = sourcePath(entry);
    return entrySrc !== undefined && path.dirname(entrySrc) === src && usableInPlace(entry);
  });
}

function inPlace<T extends CwlFile | CwlDirectory>(obj: T): T {
  const src = sourcePath(obj) as string;
  const copy = setPath({ ...obj }, src);
  if (isFile(copy) && copy.secondaryFiles) copy.secondaryFiles = copy.secondaryFiles.map((s) => inPlace(s));
  if (isDirectory(copy) && copy.listing) copy.listing = copy.listing.map((e) => inPlace(e));
  return copy;
}
