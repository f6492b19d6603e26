/**
 * POSIX shell quoting for ShellCommandRequirement command lines (CommandLineBinding.shellQuote:
 * "the implementation must not permit interpretation of any shell metacharacters").
 */

const safe = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** `word` as one shell word: unchanged when it has only safe characters, else single-quoted. */
export function shellQuote(word: string): string {
  if (word !== '' && safe.test(word)) return word;
  return `'${word.replace(/'/g, `'"'"'`)}'`;
}
