/**
 * secondaryFiles patterns (Process.yml, SecondaryFileSchema): the caret/question-mark micro-DSL and
 * expression patterns, shared by input binding and output collection. Resolving the candidates to
 * real files (existence, `required`) is the caller's job: inputs look beside the input's location,
 * outputs beside the matched file in the output directory.
 */
import { stringifyJson } from '../../util/index.js';
import type { CwlDirectory, CwlFile, SecondaryFileSchema } from '../model.js';
import { isDirectory, isFile } from '../model.js';
import { ExpressionError } from '../errors.js';
import type { ExpressionEvaluator } from './evaluator.js';

/**
 * Apply a literal pattern to the primary file's basename: each leading `^` removes one extension
 * (the last `.` and what follows; nothing when there is none), then the rest is appended.
 * A trailing `?` (optional marker) is ignored here; see {@link secondaryFileCandidates}.
 */
export function applySecondaryPattern(primaryBasename: string, pattern: string): string {
  let p = pattern.endsWith('?') ? pattern.slice(0, -1) : pattern;
  let base = primaryBasename;
  while (p.startsWith('^')) {
    const dot = base.lastIndexOf('.');
    if (dot >= 0) base = base.slice(0, dot);
    p = p.slice(1);
  }
  return base + p;
}

/** One secondary file the schema asks for: a basename beside the primary, or an object an expression returned. */
export interface SecondaryFileCandidate {
  /** A name relative to the primary file's folder, or a File/Directory object from an expression. */
  value: string | CwlFile | CwlDirectory;
  required: boolean;
  /** The pattern this came from, for error messages. */
  pattern: string;
}

/**
 * The secondary files `schemas` ask for next to `primary`. Expression patterns are evaluated with
 * `self` = the primary File; `required` may itself be an expression. `defaultRequired` is true for
 * inputs and false for outputs (SecondaryFileSchema.required).
 */
export function secondaryFileCandidates(
  schemas: readonly SecondaryFileSchema[],
  primary: CwlFile,
  evaluator: ExpressionEvaluator,
  context: { inputs?: Record<string, unknown>; runtime?: Record<string, unknown> },
  defaultRequired: boolean,
  field?: string,
): SecondaryFileCandidate[] {
  const out: SecondaryFileCandidate[] = [];
  const basename = primary.basename ?? '';
  for (const schema of schemas) {
    let required = defaultRequired;
    if (schema.required !== undefined && schema.required !== null) {
      // An expression giving null (an optional boolean input left out) is "not required", as the
      // conformance test filesarray_secondaryfiles expects.
      const r = evaluator.evaluate(schema.required, { ...context, self: primary }, { field }) ?? false;
      if (typeof r !== 'boolean') throw new ExpressionError(String(schema.required), `secondaryFiles 'required' must give a boolean, got ${stringifyJson(r)}`, { field });
      required = r;
    }
    if (!evaluator.hasExpression(schema.pattern)) {
      const optional = schema.pattern.endsWith('?');
      out.push({ value: applySecondaryPattern(basename, schema.pattern), required: optional ? false : required, pattern: schema.pattern });
      continue;
    }
    const result = evaluator.evaluate(schema.pattern, { ...context, self: primary }, { field });
    const items: unknown[] = Array.isArray(result) ? result : [result];
    for (const item of items) {
      if (item === null || item === undefined) continue;
      if (typeof item === 'string') {
        // An expression's string is a filename; the literal DSL is applied only to literal patterns.
        const optional = item.endsWith('?');
        out.push({ value: optional ? item.slice(0, -1) : item, required: optional ? false : required, pattern: schema.pattern });
      } else if (isFile(item) || isDirectory(item)) {
        out.push({ value: item, required, pattern: schema.pattern });
      } else {
        throw new ExpressionError(schema.pattern, `a secondaryFiles expression must give a string, a File or Directory, or an array of them; got ${stringifyJson(item)}`, { field });
      }
    }
  }
  return out;
}
