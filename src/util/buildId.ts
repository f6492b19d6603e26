/**
 * The identity of the code that is running, for caches whose entries depend on it (the document
 * cache, compiled input validators): entries written by another build must never be read.
 *
 * In the bundled run path (scripts/bundleCli.ts) the build defines `__PCWL_BUILD_ID__`, a hash of
 * every module in the bundle, so nothing is looked at on disk. Unbundled (the ES module entry, or a
 * `tsc`-only build) there is no such constant and callers fingerprint the module files themselves.
 */
declare const __PCWL_BUILD_ID__: string | undefined;

export function bundledBuildId(): string | undefined {
  return typeof __PCWL_BUILD_ID__ === 'string' ? __PCWL_BUILD_ID__ : undefined;
}
