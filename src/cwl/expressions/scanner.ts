/**
 * Splits a field's text into literal runs, `$(...)` references and `${...}` function bodies.
 *
 * Implements CWL v1.2 "String interpolation" escaping (concepts.md, Parameter references): one pass
 * with lookahead; `\$(` and `\${` become literal `$(`/`${`, `\\` becomes `\`, any other backslash
 * stays. Inside an expression the scanner tracks nested ()[]{} and quoted strings, so parentheses
 * or braces inside JavaScript strings do not end the expression (Expressions (Optional)).
 */

export type Segment =
  | { kind: 'text'; text: string }
  /** `$(...)`: `code` is what is between the parentheses. */
  | { kind: 'paren'; code: string; source: string }
  /** `${...}`: `code` is the function body between the braces. */
  | { kind: 'brace'; code: string; source: string };

/** True when the text contains `$(` or `${`; only such strings are subject to evaluation. */
export function hasExpression(text: string): boolean {
  return text.includes('$(') || text.includes('${');
}

/**
 * Scan `text` into segments. Returns null when an expression is not closed (the caller reports it).
 * Adjacent text is merged, so `[text]` means "no expression".
 */
export function scan(text: string): Segment[] | { unclosedAt: number } {
  const out: Segment[] = [];
  let literal = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === '\\') {
      const next = text[i + 1];
      if (next === '\\') {
        literal += '\\';
        i += 2;
        continue;
      }
      if (next === '$' && (text[i + 2] === '(' || text[i + 2] === '{')) {
        literal += '$' + text[i + 2];
        i += 3;
        continue;
      }
      literal += c;
      i += 1;
      continue;
    }
    if (c === '$' && (text[i + 1] === '(' || text[i + 1] === '{')) {
      const open = text[i + 1] as '(' | '{';
      const end = findClose(text, i + 1);
      if (end < 0) return { unclosedAt: i };
      if (literal) {
        out.push({ kind: 'text', text: literal });
        literal = '';
      }
      const code = text.slice(i + 2, end);
      const source = text.slice(i, end + 1);
      out.push(open === '(' ? { kind: 'paren', code, source } : { kind: 'brace', code, source });
      i = end + 1;
      continue;
    }
    literal += c;
    i += 1;
  }
  if (literal || out.length === 0) out.push({ kind: 'text', text: literal });
  return out;
}

const closing: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

/** Index of the bracket closing the one at `start`, honouring nesting and JS string literals. */
function findClose(text: string, start: number): number {
  const stack: string[] = [];
  let i = start;
  const n = text.length;
  while (i < n) {
    const c = text[i] as string;
    if (c === "'" || c === '"' || c === '`') {
      i = skipString(text, i);
      if (i < 0) return -1;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') {
      stack.push(closing[c] as string);
    } else if (c === ')' || c === ']' || c === '}') {
      if (stack.pop() !== c) return -1;
      if (stack.length === 0) return i;
    }
    i += 1;
  }
  return -1;
}

/** Index just after the string literal starting at `start`, or -1 if unterminated. */
function skipString(text: string, start: number): number {
  const quote = text[start];
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (c === quote) return i + 1;
    i += 1;
  }
  return -1;
}
