/**
 * Outputs must come from the designated output directory (CWL v1.2 §Output binding: "It is an error
 * for path to refer outside the output directory"). A symbolic link the tool made to a file
 * elsewhere is not an output (conformance test illegal_symlink); an input passed through, or staged
 * into the output directory by InitialWorkDirRequirement, is.
 */
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { OutputInvalidError } from '../errors.js';
import { isDirectory, isFile } from '../model.js';

export async function checkOutputConfinement(
  outputs: Record<string, unknown>,
  outdir: string,
  inputSources: Iterable<string>,
  jobName: string,
): Promise<void> {
  const roots: string[] = [await realpath(outdir)];
  for (const src of inputSources) {
    try {
      roots.push(await realpath(src));
    } catch {
      // An input that vanished cannot be an output either.
    }
  }
  const inside = (p: string) => roots.some((r) => p === r || p.startsWith(r + path.sep));
  const visit = async (name: string, value: unknown): Promise<void> => {
    if (Array.isArray(value)) {
      for (const v of value) await visit(name, v);
      return;
    }
    if (isFile(value) || isDirectory(value)) {
      if (value.path !== undefined) {
        let real: string;
        try {
          real = await realpath(value.path);
        } catch {
          // A missing file is reported by output collection, not here.
          return;
        }
        if (!inside(real)) {
          throw new OutputInvalidError(
            jobName,
            name,
            `${value.path} resolves to ${real}, outside the output directory; tools must write their outputs into the output directory (copy it there instead of linking)`,
          );
        }
      }
      if (isFile(value)) for (const s of value.secondaryFiles ?? []) await visit(name, s);
      return;
    }
    if (typeof value === 'object' && value !== null) for (const v of Object.values(value)) await visit(name, v);
  };
  for (const [name, value] of Object.entries(outputs)) await visit(name, value);
}
