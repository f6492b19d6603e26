/**
 * The string value of a reference embedded in a longer string (concepts.md, "String interpolation"):
 * strings as their literal text, everything else as JSON text with object entries sorted by key.
 * Separators follow the reference runner (`", "` and `": "`) so interpolated values match its output.
 */

export function interpolationText(value: unknown): string {
  if (typeof value === 'string') return value;
  return jsonText(value);
}

function jsonText(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') return formatNumber(value);
  // An exact integer outside Number's safe range (src/util/exactJson.ts): its digits.
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(jsonText).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}: ${jsonText((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(', ')}}`;
  }
  return 'null';
}

/**
 * A number as plain decimal text, never in scientific notation (conformance test
 * very_big_and_very_floats: `1.23e-05` must be `0.0000123`, `1.23e5` must be `123000`).
 */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return JSON.stringify(n);
  const s = String(n);
  const m = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const sign = m[1] as string;
  const intPart = m[2] as string;
  const frac = m[3] ?? '';
  const exp = Number(m[4]);
  const digits = intPart + frac;
  const pointAt = intPart.length + exp;
  if (pointAt <= 0) return `${sign}0.${'0'.repeat(-pointAt)}${digits}`;
  if (pointAt >= digits.length) return `${sign}${digits}${'0'.repeat(pointAt - digits.length)}`;
  return `${sign}${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
}
