/**
 * A command line as one string a person can paste into a shell: words with shell syntax in them
 * are single-quoted. Shared by the report page (ui/table.ts) and the provenance crate
 * (run/provenance.ts), so both show a command the same way; no imports, it runs in both places.
 */
export function shellLine(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
