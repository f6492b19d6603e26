/**
 * Image names as Docker reads them. `dockerPull: debian:stable-slim` means
 * `docker.io/library/debian:stable-slim`, and podman stores it under that full name; comparing or
 * pulling the full name makes every engine agree on which image is meant (podman on its own would
 * try its short-name search list, which differs between machines).
 *
 * Parsing follows Docker's reference grammar through @swimlane/docker-reference (a port of Docker's
 * own parser, with its checks: lowercase repository, digest format, length). It is imported on first
 * use: most runs have no container.
 */

/** An image id (`sha256:…` or its hex, 12 to 64 digits) rather than a name. */
export function isImageId(value: string): boolean {
  return /^(sha256:)?[0-9a-f]{12,64}$/.test(value);
}

/**
 * The full name of an image as Docker resolves it: registry, repository, and `:latest` when neither
 * a tag nor a digest is given. An image id is returned unchanged. Throws an Error whose message says
 * what is wrong with the name.
 */
export async function normaliseImageName(name: string): Promise<string> {
  if (isImageId(name)) return name;
  const { parseFamiliarName } = await import('@swimlane/docker-reference');
  let ref;
  try {
    ref = parseFamiliarName(name);
  } catch (err) {
    throw new Error(`not a valid image name (${err instanceof Error ? err.message : String(err)})`);
  }
  const full = ref.toString();
  return ref.type === 'repository' ? `${full}:latest` : full;
}
