/**
 * CWL parameter references without a JavaScript engine (concepts.md, "Parameter references").
 *
 * `parseParameterReference` recognises the grammar `symbol segment*` (segments `.sym`, `['s']`,
 * `["s"]`, `[0]`); `resolveParameterReference` walks the context with the spec's resolution
 * algorithm: unknown keys, lookups on null and indexes on non-arrays are errors, and `length`
 * as the last key on an array is the array's length.
 */

export type PathKey = string | number;

const symbolRe = /^[\p{L}\p{N}_]+/u;

/** The keys of a parameter reference (first is the root symbol), or null if `code` is not one. */
export function parseParameterReference(code: string): PathKey[] | null {
  const text = code.trim();
  const first = symbolRe.exec(text);
  if (!first) return null;
  const keys: PathKey[] = [first[0]];
  let i = first[0].length;
  while (i < text.length) {
    const c = text[i];
    if (c === '.') {
      const m = symbolRe.exec(text.slice(i + 1));
      if (!m) return null;
      keys.push(m[0]);
      i += 1 + m[0].length;
    } else if (c === '[') {
      const rest = text.slice(i);
      // Quoted keys may escape characters with a backslash (conformance param_evaluation_noexpr).
      const m = /^\[(?:(\d+)|'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\]/.exec(rest);
      if (!m) return null;
      if (m[1] !== undefined) keys.push(Number(m[1]));
      else keys.push(((m[2] ?? m[3]) as string).replace(/\\(.)/g, '$1'));
      i += m[0].length;
    } else {
      return null;
    }
  }
  return keys;
}

/** Thrown by {@link resolveParameterReference}; the evaluator turns it into an ExpressionError. */
export class ParameterReferenceError extends Error {}

/**
 * Resolve `keys` in `context` (the parameter context: inputs, self, runtime).
 * @throws ParameterReferenceError when a key is missing or used on the wrong kind of value.
 */
export function resolveParameterReference(keys: PathKey[], context: Record<string, unknown>): unknown {
  const [root, ...rest] = keys;
  if (root === 'null') {
    if (rest.length) throw new ParameterReferenceError(`'null' must be the only symbol in a parameter reference`);
    return null;
  }
  if (typeof root !== 'string' || !Object.prototype.hasOwnProperty.call(context, root)) {
    throw new ParameterReferenceError(`'${String(root)}' is not defined; use inputs, self or runtime`);
  }
  let current: unknown = context[root];
  let path = root;
  for (let k = 0; k < rest.length; k++) {
    const key = rest[k] as PathKey;
    const last = k === rest.length - 1;
    if (last && key === 'length' && Array.isArray(current)) return current.length;
    if (typeof key === 'number') {
      if (!Array.isArray(current) && typeof current !== 'string') {
        throw new ParameterReferenceError(`${path} is ${describe(current)}, not an array, so [${key}] cannot be used`);
      }
      if (key >= current.length) throw new ParameterReferenceError(`${path}[${key}] is out of range (length ${current.length})`);
      current = current[key];
      path = `${path}[${key}]`;
    } else {
      if (current === null || typeof current !== 'object' || Array.isArray(current)) {
        throw new ParameterReferenceError(`${path} is ${describe(current)}, so it has no field '${key}'`);
      }
      if (!Object.prototype.hasOwnProperty.call(current, key)) {
        throw new ParameterReferenceError(`${path} has no field '${key}'`);
      }
      current = (current as Record<string, unknown>)[key];
      path = `${path}.${key}`;
    }
  }
  return current;
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v === 'bigint' ? 'number' : typeof v}`;
}
