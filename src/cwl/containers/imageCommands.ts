/**
 * The engine command lines that make an image available, as argv after the engine's program. Pure
 * functions, so the argv of every engine is tested without the engine (Docker and Apptainer do not
 * run on the CI machines; docs/containers.md says which engines are tested end to end).
 *
 * Podman and Docker share these subcommands and flags (podman copies Docker's CLI for them).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';

/** Podman and Docker: one argv per operation. */
export const ociImageArgv = {
  /** Exits 0 and prints the id when the image is in the engine's store (either engine). */
  inspect: (image: string): string[] => ['image', 'inspect', '--format', '{{.Id}}', image],
  pull: (image: string): string[] => ['pull', image],
  /** Loads a `docker save` / `podman save` tarball; prints `Loaded image: NAME` (or `Loaded image ID: ID`). */
  load: (tarball: string): string[] => ['load', '-i', tarball],
  /** Builds `dockerfile` with `contextDir` as its context, tagged `tag`. */
  build: (tag: string, dockerfile: string, contextDir: string): string[] => ['build', '-t', tag, '-f', dockerfile, contextDir],
  /** Imports a root filesystem tarball (a path or URL) as an image; prints its id. `tag` absent: untagged. */
  import: (source: string, tag?: string): string[] => (tag === undefined ? ['import', source] : ['import', source, tag]),
};

/** Apptainer's image build: `apptainer build TARGET SOURCE` makes the SIF file TARGET from SOURCE. */
export function apptainerBuildArgv(target: string, source: string): string[] {
  return ['build', target, source];
}

/** Where Apptainer gets an image from: a registry image or a `docker save` tarball. */
export type ApptainerSource = { kind: 'registry'; image: string } | { kind: 'archive'; tarball: string };

/** The build source Apptainer understands for it (`docker://NAME`, `docker-archive://PATH`: with an absolute PATH, three slashes). */
export function apptainerSourceUri(source: ApptainerSource): string {
  return source.kind === 'registry' ? `docker://${source.image}` : `docker-archive://${source.tarball}`;
}

/**
 * The SIF file of a source in the cache folder: a readable part (the image name or the tarball's
 * file name, with characters outside `[A-Za-z0-9._-]` turned into `_`) and a hash of the whole source,
 * so two names that read the same after the replacement still get two files.
 */
export function sifPath(cacheDir: string, source: ApptainerSource): string {
  const uri = apptainerSourceUri(source);
  const readable = (source.kind === 'registry' ? source.image : source.tarball.split('/').pop() ?? 'image').replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100);
  const hash = createHash('sha256').update(uri).digest('hex').slice(0, 12);
  return join(cacheDir, `${readable}-${hash}.sif`);
}
