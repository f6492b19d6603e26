/**
 * CWL types → TypeScript type text (§Schema types of CommandLineTool.yml): File → CwlFile,
 * Directory → CwlDirectory, records → interfaces (named records get their own declaration),
 * enums → string-literal unions, arrays → Array<T>, unions → `A | B`, `Any` → unknown.
 */
import type { CwlType, RecordType } from '../model.js';

/** Last segment of a URI-ish name (`file:///x.cwl#Person/name` → `name`). */
export function shortName(name: string): string {
  const cut = Math.max(name.lastIndexOf('#'), name.lastIndexOf('/'));
  return cut >= 0 ? name.slice(cut + 1) : name;
}

function pascal(name: string): string {
  const words = shortName(name).split(/[^A-Za-z0-9]+/).filter(Boolean);
  const joined = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
  return /^[A-Za-z_]/.test(joined) ? joined : `T${joined}`;
}

export function propertyName(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : JSON.stringify(name);
}

/** `T | null` for an optional value (`unknown` already admits null). */
export function orNull(type: string, optional: boolean): string {
  return optional && type !== 'unknown' ? `${type} | null` : type;
}

/** Collects named record interfaces while types are rendered. */
export class TypeWriter {
  readonly declarations = new Map<string, string>();
  readonly used = new Set<'CwlFile' | 'CwlDirectory'>();

  /** True when the type admits null (an optional value). */
  static isOptional(t: CwlType): boolean {
    return t === 'null' || (Array.isArray(t) && t.some((x) => x === 'null'));
  }

  /** TypeScript text for `t`, without the `null` of an optional type when `dropNull` is set. */
  render(t: CwlType, hint: string, dropNull = false): string {
    if (Array.isArray(t)) {
      const members = t.filter((x) => !(dropNull && x === 'null')).map((x, i) => this.render(x, `${hint}${i}`));
      const unique = [...new Set(members)];
      return unique.length === 0 ? 'null' : unique.join(' | ');
    }
    if (typeof t === 'string') {
      switch (t) {
        case 'null':
          return 'null';
        case 'boolean':
          return 'boolean';
        case 'int':
        case 'float':
        case 'double':
          return 'number';
        case 'long':
          // A long outside Number's safe range is a bigint, exact (docs/loading-and-inputs.md).
          return 'number | bigint';
        case 'string':
          return 'string';
        case 'File':
        case 'stdout':
        case 'stderr':
        case 'stdin':
          this.used.add('CwlFile');
          return 'CwlFile';
        case 'Directory':
          this.used.add('CwlDirectory');
          return 'CwlDirectory';
        case 'Any':
          return 'unknown';
      }
      return 'unknown';
    }
    switch (t.type) {
      case 'array': {
        const inner = this.render(t.items, hint);
        return `Array<${inner}>`;
      }
      case 'enum':
        return t.symbols.map((s) => JSON.stringify(s)).join(' | ');
      case 'record':
        return this.record(t, hint);
    }
  }

  private record(t: RecordType, hint: string): string {
    const body = (indent: string): string =>
      t.fields
        .map((f) => {
          const optional = TypeWriter.isOptional(f.type);
          const doc = f.doc ? `${indent}/** ${String(f.doc).replace(/\*\//g, '* /').split('\n').join(` `)} */\n` : '';
          return `${doc}${indent}${propertyName(shortName(f.name))}${optional ? '?' : ''}: ${orNull(this.render(f.type, `${hint}${pascal(f.name)}`, optional), optional)};`;
        })
        .join('\n');
    if (t.name === undefined) return `{\n${body('    ')}\n  }`;
    const name = pascal(t.name);
    if (!this.declarations.has(name)) {
      this.declarations.set(name, ''); // reserve first: a record may refer to itself
      this.declarations.set(name, `export interface ${name} {\n${body('  ')}\n}`);
    }
    return name;
  }
}
