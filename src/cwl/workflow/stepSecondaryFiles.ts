/**
 * Required secondaryFiles of a step's tool must travel with the File values the step passes in
 * (CommandLineTool.yml, CommandInputParameter `secondaryFiles`; conformance secondary_files_missing):
 * inside a workflow they come from the workflow input's or upstream output's own secondaryFiles,
 * not from whatever happens to lie beside the file on disk.
 */
import { InputInvalidError } from '../errors.js';
import { applySecondaryPattern } from '../expressions/index.js';
import { isFile, type CwlType, type InputParameter, type SecondaryFileSchema } from '../model.js';

/** Throws InputInvalidError naming the input and the missing file. */
export function checkStepSecondaryFiles(params: readonly InputParameter[], inputs: Record<string, unknown>): void {
  for (const p of params) check(p.type, p.secondaryFiles, inputs[p.id], p.id);
}

/** True when some parameter (or record field) of the tool declares secondaryFiles. */
export function declaresSecondaryFiles(params: readonly InputParameter[]): boolean {
  return params.some((p) => (p.secondaryFiles?.length ?? 0) > 0 || typeDeclares(p.type));
}

function typeDeclares(t: CwlType): boolean {
  if (Array.isArray(t)) return t.some(typeDeclares);
  if (typeof t !== 'object') return false;
  if (t.type === 'array') return typeDeclares(t.items);
  if (t.type === 'record') return t.fields.some((f) => (f.secondaryFiles?.length ?? 0) > 0 || typeDeclares(f.type));
  return false;
}

function check(type: CwlType, schemas: readonly SecondaryFileSchema[] | undefined, value: unknown, name: string): void {
  if (value === null || value === undefined) return;
  if (isFile(value)) {
    if (!schemas) return;
    const basename = value.basename ?? value.location?.slice(value.location.lastIndexOf('/') + 1) ?? '';
    const present = new Set((value.secondaryFiles ?? []).map((s) => s.basename ?? s.location?.slice(s.location.lastIndexOf('/') + 1)));
    for (const s of schemas) {
      // Expression patterns and expression `required` are decided by the tool run itself.
      if (s.pattern.includes('$(') || s.pattern.includes('${') || typeof s.required === 'string') continue;
      const required = s.required ?? !s.pattern.endsWith('?');
      if (!required) continue;
      const expected = applySecondaryPattern(basename, s.pattern);
      if (!present.has(expected)) {
        throw new InputInvalidError(
          name,
          `the tool needs secondary file '${expected}' (pattern '${s.pattern}') with ${basename}, but the value the step received does not carry it; declare secondaryFiles on the workflow input or the upstream output`,
        );
      }
    }
    return;
  }
  const branches = Array.isArray(type) ? type : [type];
  if (Array.isArray(value)) {
    const arr = branches.find((b) => typeof b === 'object' && !Array.isArray(b) && b.type === 'array');
    const items = arr && typeof arr === 'object' && !Array.isArray(arr) && arr.type === 'array' ? arr.items : 'Any';
    for (const v of value) check(items, schemas, v, name);
    return;
  }
  if (typeof value === 'object') {
    const rec = branches.find((b) => typeof b === 'object' && !Array.isArray(b) && b.type === 'record');
    if (!rec || typeof rec !== 'object' || Array.isArray(rec) || rec.type !== 'record') return;
    for (const f of rec.fields) {
      const field = f.name.slice(f.name.lastIndexOf('/') + 1);
      check(f.type, f.secondaryFiles, (value as Record<string, unknown>)[field], `${name}.${field}`);
    }
  }
}
