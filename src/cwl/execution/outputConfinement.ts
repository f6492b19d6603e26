/**
 * Outputs must come from the designated output directory (CWL v1.2 §Output binding: "It is an error
 * for path to refer outside the output directory"). A symbolic link the tool made to a file
 * elsewhere is not an output (conformance test illegal_symlink); an input passed through, or staged
 * into the output directory by InitialWorkDirRequirement, is.
 *
 * Real paths are taken with synchronous calls (a job checks a few paths; each thread-pool round
 * trip cost more than the call). A file directly in the output directory that is not a link is at
 * `realpath(outdir)/name` with one lstat, instead of a realpath that reads every folder of the path
 * again; the inputs' real paths are only taken when an output lies outside the output directory.
 */
import { lstatSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { OutputInvalidError } from '../errors.js';
import { isDirectory, isFile } from '../model.js';

export async function checkOutputConfinement(
  outputs: Record<string, unknown>,
  outdir: string,
  inputSources: Iterable<string>,
  jobName: string,
): Promise<void> {
  const realOutdir = realpathSync.native(outdir);
  let inputRoots: string[] | undefined;
  const under = (p: string, root: string) => p === root || p.startsWith(root + path.sep);
  const allowed = (real: string): boolean => {
    if (under(real, realOutdir)) return true;
    inputRoots ??= realInputRoots(inputSources);
    return inputRoots.some((r) => under(real, r));
  };
  /** The real path of `p`, or undefined when it is missing (output collection reports that). */
  const realOf = (p: string): string | undefined => {
    const name = path.basename(p);
    if (path.join(outdir, name) === p) {
      const st = lstatSync(p, { throwIfNoEntry: false });
      if (st === undefined) return undefined;
      if (!st.isSymbolicLink()) return path.join(realOutdir, name);
    }
    try {
      return realpathSync.native(p);
    } catch {
      return undefined;
    }
  };
  const visit = (name: string, value: unknown): void => {
    if (Array.isArray(value)) {
      for (const v of value) visit(name, v);
      return;
    }
    if (isFile(value) || isDirectory(value)) {
      if (value.path !== undefined) {
        const real = realOf(value.path);
        if (real !== undefined && !allowed(real)) {
          throw new OutputInvalidError(
            jobName,
            name,
            `${value.path} resolves to ${real}, outside the output directory; tools must write their outputs into the output directory (copy it there instead of linking)`,
          );
        }
      }
      if (isFile(value)) for (const s of value.secondaryFiles ?? []) visit(name, s);
      return;
    }
    if (typeof value === 'object' && value !== null) for (const v of Object.values(value)) visit(name, v);
  };
  for (const [name, value] of Object.entries(outputs)) visit(name, value);
}

/** Real paths of the inputs and their staged copies; an input that vanished cannot be an output either. */
function realInputRoots(sources: Iterable<string>): string[] {
  const roots: string[] = [];
  for (const src of sources) {
    try {
      roots.push(realpathSync.native(src));
    } catch {
      // gone
    }
  }
  return roots;
}
