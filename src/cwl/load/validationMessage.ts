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
}

const FIELD = /^the `([^`]+)` field is not valid because/;
const INVALID_FIELD = /^invalid field ([^,]+),\s*expected one of: (.*)$/s;

/**
 * How telling a leaf is. Union branches that failed only because the value had another shape
 * ("Expected a list" while the map form was right) say little; an unknown field or a bad symbol
 * names the actual mistake.
 */
function leafScore(message: string): number {
  if (INVALID_FIELD.test(message)) return 4;
  if (message.startsWith('Expected one of') || message.startsWith('Term ') || message.includes('secondaryFiles')) return 3;
  if (message.startsWith('Expected a') || message.startsWith('Expected non-null') || message.startsWith('Expected str')) return 1;
  return 2;
}

function describeLeaf(message: string): { extraPath: string[]; text: string } {
  const invalid = INVALID_FIELD.exec(message.trim());
  if (invalid) {
    const expected = (invalid[2] ?? '').replace(/`/g, '').split(',').map((s) => s.trim()).filter(Boolean);
    const field = (invalid[1] ?? '').trim();
    return { extraPath: [field], text: `unknown field '${field}'; expected one of: ${expected.join(', ')}` };
  }
  const typeMismatch = /^Expected a (\w+) but got (\w+)$/.exec(message.trim());
  if (typeMismatch) return { extraPath: [], text: `expected a ${typeMismatch[1]?.toLowerCase()}, got a ${typeMismatch[2]}` };
  return { extraPath: [], text: message.trim().replace(/\s+/g, ' ') };
}

function walk(node: ValidationNode, path: string[]): Candidate | undefined {
  const own = node.message.trim();
  const field = FIELD.exec(own);
  const here = field?.[1] ? [...path, field[1]] : path;
  if (node.children.length === 0) {
    if (!own) return undefined;
    const leaf = describeLeaf(own);
    return { path: [...here, ...leaf.extraPath], message: leaf.text, score: leafScore(own) };
  }
  let best: Candidate | undefined;
  for (const child of node.children) {
    const c = walk(child, here);
    if (!c) continue;
    // Prefer the more telling reason; between equals, the deeper one is closer to the mistake.
    if (!best || c.score > best.score || (c.score === best.score && c.path.length > best.path.length)) best = c;
  }
  return best;
}

export function summariseValidation(err: ValidationNode): ValidationSummary {
  const best = walk(err, []);
  if (!best) return { path: [], message: 'the document does not match the CWL v1.2 schema' };
  return { path: best.path, message: best.message };
}
