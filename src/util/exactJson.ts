/**
 * Exact numbers in values: the one place that parses and prints JSON for input and output values.
 *
 * A CWL `long` (or any integer in a job file, default or output) may be outside Number's safe range
 * (2^53); cwltool keeps such integers exact (Python ints), and so do we: an integer literal outside
 * the safe range becomes a BigInt, everything else stays a Number as JSON.parse gives it. Floats stay
 * Numbers (a Python float is a double too). Printing writes a BigInt as its decimal digits.
 *
 * Parsing takes lossless-json only when the text has a run of 16 or more digits (a safe integer has
 * at most 16); other text goes to JSON.parse, so the usual path costs one regex scan. Printing tries
 * JSON.stringify first: it throws on the first BigInt, and only then is the value printed again with
 * lossless-json, so values without BigInts cost nothing extra.
 */
import { parse as losslessParse, stringify as losslessStringify } from 'lossless-json';

/** A digit run this long may be an unsafe integer (Number.MAX_SAFE_INTEGER has 16 digits). */
const RUN = 16;

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/**
 * Does `text` have RUN digits in a row? Looks at every RUN-th character and only around digits
 * (the Boyer-Moore-Horspool skip), so mostly-text JSON costs a small part of JSON.parse; /\d{16}/
 * costs about as much as the parse itself (docs/loading-and-inputs.md, "Exact numbers").
 */
export function hasLongDigitRun(text: string): boolean {
  let end = RUN - 1;
  while (end < text.length) {
    if (!isDigit(text.charCodeAt(end))) {
      end += RUN;
      continue;
    }
    let start = end - 1;
    while (start > end - RUN && isDigit(text.charCodeAt(start))) start--;
    if (start === end - RUN) return true;
    // Digits run from start + 1 to end; a long run through them ends at start + RUN or later.
    end = start + RUN;
  }
  return false;
}
const INTEGER_LITERAL = /^-?\d+$/;

/** An integer literal as a Number when that is exact, else as a BigInt; other numbers as Numbers. */
export function exactNumber(literal: string): number | bigint {
  const n = Number(literal);
  if (Number.isSafeInteger(n) || !INTEGER_LITERAL.test(literal)) return n;
  return BigInt(literal);
}

/** JSON.parse with integers outside the safe range as BigInts. Throws SyntaxError like JSON.parse. */
export function parseJson(text: string): unknown {
  if (!hasLongDigitRun(text)) return JSON.parse(text);
  // JSON.parse keeps the last of duplicate keys; lossless-json throws unless told otherwise.
  return losslessParse(text, null, { parseNumber: exactNumber, onDuplicateKey: ({ newValue }) => newValue });
}

/**
 * JSON.stringify that prints BigInts as integers (JSON.stringify throws on them). Typed as
 * JSON.stringify is: undefined (or a function) at the top gives undefined.
 */
export function stringifyJson(value: unknown, space?: number | string): string {
  try {
    return JSON.stringify(value, null, space);
  } catch (err) {
    if (!isBigIntError(err)) throw err;
    return losslessStringify(value, null, space) as string;
  }
}

function isBigIntError(err: unknown): boolean {
  return err instanceof TypeError && /BigInt/.test(err.message);
}

/**
 * A JSON.stringify replacer for the values JavaScript expressions see: a BigInt becomes the nearest
 * Number (cwltool's expressions also get doubles).
 */
export function bigIntAsNumber(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? Number(value) : value;
}

/** True for an integral value: a safe-or-not integral Number or a BigInt. */
export function isIntegral(value: unknown): value is number | bigint {
  return typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value));
}

/** Does a JSON-like value hold a BigInt anywhere? (for the rare paths that must convert them) */
export function containsBigInt(value: unknown): boolean {
  if (typeof value === 'bigint') return true;
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some(containsBigInt);
  for (const k in value) if (containsBigInt((value as Record<string, unknown>)[k])) return true;
  return false;
}

/** A copy with every BigInt as the nearest Number (for checks that only know Numbers, e.g. ajv). */
export function bigIntsAsNumbers(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(bigIntsAsNumbers);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = bigIntsAsNumbers(v);
  return out;
}
