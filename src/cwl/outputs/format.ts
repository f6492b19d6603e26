/**
 * File `format` IRIs (Process.yml, `format`): a `prefix:name` whose prefix is one of the document's
 * `$namespaces` expands to the full IRI, as the loader does for formats written in the document.
 */
export function expandFormat(format: string, namespaces: Record<string, string> | undefined): string {
  const m = /^([A-Za-z_][A-Za-z0-9_.-]*):(.*)$/.exec(format);
  if (!m || !namespaces) return format;
  const base = namespaces[m[1] as string];
  return base === undefined ? format : base + (m[2] as string);
}
