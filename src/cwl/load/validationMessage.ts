/**
 * Turn cwl-ts-auto's ValidationException tree (every union branch it tried, nested) into one short
 * message: the field path and the most specific reason found.
 */

/** The shape of cwl-ts-auto's ValidationException that we read. */
export interface ValidationNode {
  message: string;
  children: ValidationNode[];
}

export interface ValidationSummary {
  /** Field names from the process down to the offending field (`inputs`, `inputBinding`, `prefx`). */
  path: string[];
  /** One line saying what was wrong and what was expected. */
  message: string;
}

interface Candidate {
  path: string[];
  message: string;
  score: number;
  /** For shape mismatches: the shapes that would have been accepted, and what was given. */
  shapes?: { expected: Set<string>; got?: string };
}

const FIELD = /^the `([^`]+)` field is not valid because/;
const INVALID_FIELD = /^invalid field ([^,]+),\s*expected one of: (.*)$/s;
const SHAPE = /^Expected a (\w+)(?: but got (\w+))?$/;
const TRYING = /^Trying '([^']+)'/;
const DISCRIMINATOR = /^the `(class|type)` field is not valid because/;

/** cwl-ts-auto's type-guard names, as a CWL author would say them. */
const SHAPE_NAMES: Record<string, string> = { String: 'string', Number: 'number', Boolean: 'boolean', list: 'list', dict: 'mapping', str: 'string' };
const GOT_NAMES: Record<string, string> = { object: 'a mapping or list', string: 'a string', number: 'a number', boolean: 'a boolean' };

/**
 * How telling a leaf is. Union branches that failed only because the value had another shape
 * ("Expected a list" while the map form was right) say little; an unknown field or a bad symbol
 * names the actual mistake.
 */
function leafScore(message: string): number {
  if (INVALID_FIELD.test(message)) return 4;
  if (message.startsWith('Expected one of') || message.startsWith('Term ') || message.includes('secondaryFiles')) return 3;
  if (SHAPE.test(message) || message.startsWith('Expected non-null') || message.startsWith('Expected str')) return 1;
  return 2;
}

function leaf(message: string, path: string[]): Candidate {
  const score = leafScore(message);
  const invalid = INVALID_FIELD.exec(message);
  if (invalid) {
    const expected = (invalid[2] ?? '').replace(/`/g, '').split(',').map((s) => s.trim()).filter(Boolean);
    const field = (invalid[1] ?? '').trim();
    return { path: [...path, field], score, message: `unknown field '${field}'; expected one of: ${expected.join(', ')}` };
  }
  const shape = SHAPE.exec(message);
  if (shape) {
    if (shape[2] === 'undefined') return { path, score, message: 'missing required field' };
    const expected = new Set<string>();
    // "Undefined" is the branch that allows leaving the field out; not a shape to suggest.
    if (shape[1] !== 'Undefined') expected.add(SHAPE_NAMES[shape[1] ?? ''] ?? (shape[1] ?? '').toLowerCase());
    return { path, score, message: '', shapes: { expected, got: shape[2] } };
  }
  const oneOf = /^Expected one of (.*)$/.exec(message);
  if (oneOf) return { path, score, message: `expected one of: ${(oneOf[1] ?? '').split(',').join(', ')}` };
  return { path, score, message: message.replace(/\s+/g, ' ') };
}

function shapeMessage(c: Candidate): string {
  if (!c.shapes) return c.message;
  const expected = [...c.shapes.expected];
  const got = c.shapes.got ? `, got ${GOT_NAMES[c.shapes.got] ?? c.shapes.got}` : '';
  return `expected ${expected.length ? expected.join(' or ') : 'another value'}${got}`;
}

/**
 * A union branch for another record class: its `class` (or a schema's `type`) did not match
 * ("Expected one of InlineJavascriptRequirement"). Its other complaints are about the wrong schema.
 */
function isWrongBranch(node: ValidationNode): boolean {
  return TRYING.test(node.message.trim()) && node.children.some((c) => DISCRIMINATOR.test(c.message.trim()));
}

function samePath(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function walk(node: ValidationNode, path: string[]): Candidate | undefined {
  const own = node.message.trim();
  const field = FIELD.exec(own);
  const here = field?.[1] ? [...path, field[1]] : path;
  if (node.children.length === 0) return own ? leaf(own, here) : undefined;
  // In a union, skip the branches of other classes when some branch has the right class.
  const branchOf = (c: ValidationNode): ValidationNode => c.children.find((g) => TRYING.test(g.message.trim())) ?? c;
  const rightClass = node.children.filter((c) => !isWrongBranch(branchOf(c)));
  const wrongClasses = node.children.map((c) => TRYING.exec(branchOf(c).message.trim())?.[1]).filter((n): n is string => n !== undefined);
  if (rightClass.length === 0 && wrongClasses.length > 1) {
    // No branch has this class: the class itself is the mistake (a typo in a requirement name...).
    return { path: [...here, 'class'], score: 3, message: `unknown class; expected one of: ${wrongClasses.join(', ')}` };
  }
  const children = rightClass.length > 0 && rightClass.length < node.children.length ? rightClass : node.children;
  let best: Candidate | undefined;
  for (const child of children) {
    const c = walk(child, here);
    if (!c) continue;
    if (best?.shapes && c.shapes && samePath(best.path, c.path)) {
      // Sibling branches that each wanted another shape: say all the shapes that would do.
      for (const e of c.shapes.expected) best.shapes.expected.add(e);
      best.shapes.got ??= c.shapes.got;
      continue;
    }
    // Prefer the more telling reason; between equals, the deeper one is closer to the mistake.
    if (!best || c.score > best.score || (c.score === best.score && c.path.length > best.path.length)) {
      best = c.shapes ? { ...c, shapes: { expected: new Set(c.shapes.expected), got: c.shapes.got } } : c;
    }
  }
  return best;
}

export function summariseValidation(err: ValidationNode): ValidationSummary {
  const best = walk(err, []);
  if (!best) return { path: [], message: 'the document does not match the CWL v1.2 schema' };
  return { path: best.path, message: shapeMessage(best) };
}
