/** CWL types written the way a user writes them (`File?`, `string[]`, `enum(a|b)`), for messages. */
import type { CwlType } from '../model.js';

export function typeText(t: CwlType): string {
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) {
    const nonNull = t.filter((x) => x !== 'null');
    const inner = nonNull.length === 1 && nonNull[0] !== undefined ? typeText(nonNull[0]) : nonNull.map(typeText).join(' | ');
    if (nonNull.length === t.length) return inner;
    return nonNull.length === 1 ? `${inner}?` : `(${inner})?`;
  }
  switch (t.type) {
    case 'array':
      return `${Array.isArray(t.items) ? `(${typeText(t.items)})` : typeText(t.items)}[]`;
    case 'enum':
      return t.name ?? `enum(${t.symbols.join('|')})`;
    case 'record':
      return t.name ?? `record{${t.fields.map((f) => `${f.name}: ${typeText(f.type)}`).join(', ')}}`;
  }
}

/** True when the type admits `null` (the input may be left out). */
export function isOptional(t: CwlType): boolean {
  return t === 'null' || (Array.isArray(t) && t.some(isOptional));
}
