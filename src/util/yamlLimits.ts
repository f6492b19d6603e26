/**
 * The limits that keep a hostile YAML file (document, job file, `--config`) from hanging the runner.
 *
 * js-yaml builds an alias as a shared reference, so a "billion laughs" file parses in milliseconds
 * into a small graph; what hangs is the first walk that copies it as a tree (file locations,
 * validation, JSON for a task). The limits are checked on the parsed graph before anything walks it:
 * the text's size, the number of aliases, and the size the value would have with every alias
 * expanded (computed once per shared node, so the check itself is linear in the file).
 * No js-yaml import here: the config loader loads js-yaml only when a config file is used.
 */
export interface YamlLimits {
  /** Characters of text. */
  maxChars: number;
  /** Alias nodes (`*name`). */
  maxAliases: number;
  /** Size with aliases expanded: one per value plus the characters of every string and key. */
  maxExpandedSize: number;
}

export const DEFAULT_YAML_LIMITS: Readonly<YamlLimits> = Object.freeze({
  maxChars: 128 * 1024 * 1024,
  maxAliases: 10_000,
  maxExpandedSize: 256 * 1024 * 1024,
});

/**
 * Why `text` and the value parsed from it break a limit, or undefined when they do not. Aliases are
 * counted as the times a collection is reached again; an alias of a scalar counts in the expanded size.
 */
export function yamlLimitBroken(text: string, value: unknown, limits: YamlLimits = DEFAULT_YAML_LIMITS): string | undefined {
  if (text.length > limits.maxChars) return `${text.length} characters is more than the limit of ${limits.maxChars}`;
  // No anchor, no alias: the value is a tree no bigger than the text.
  if (!text.includes('&')) return undefined;
  const sizes = new Map<object, number>();
  let shared = 0;
  const sizeOf = (v: unknown): number => {
    if (typeof v === 'string') return 1 + v.length;
    if (v === null || typeof v !== 'object') return 1;
    const known = sizes.get(v);
    if (known !== undefined) {
      shared++;
      return known;
    }
    // A placeholder first: a recursive alias (a node inside itself) counts as one.
    sizes.set(v, 1);
    let size = 1;
    if (Array.isArray(v)) for (const item of v) size += sizeOf(item);
    else for (const [k, item] of Object.entries(v)) size += k.length + sizeOf(item);
    // Saturate: sizes stay finite however deep the nesting of aliases goes.
    size = Math.min(size, Number.MAX_SAFE_INTEGER);
    sizes.set(v, size);
    return size;
  };
  const expanded = sizeOf(value);
  if (shared > limits.maxAliases) return `${shared} aliases is more than the limit of ${limits.maxAliases}`;
  if (expanded > limits.maxExpandedSize) return `aliases expand it to a size of ${expanded}, more than the limit of ${limits.maxExpandedSize} (a YAML alias bomb?)`;
  return undefined;
}
