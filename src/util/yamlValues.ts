/**
 * Exact integers in YAML (documents, job files): an integer outside Number's safe range becomes a
 * BigInt, as in JSON (src/util/exactJson.ts). js-yaml 5 gets a core schema whose int tag does this.
 */
import { createRequire } from 'node:module';
import { CORE_SCHEMA, defineScalarTag, intCoreTag, NOT_RESOLVED, type Schema } from 'js-yaml';
import { exactNumber } from './exactJson.js';

/** YAML integer text (core schema: decimal with sign, 0o octal, 0x hex; explicit: 0b) as a BigInt. */
function bigIntOf(source: string): bigint | undefined {
  const negative = source.startsWith('-');
  const digits = source.startsWith('-') || source.startsWith('+') ? source.slice(1) : source;
  try {
    const n = BigInt(digits);
    return negative ? -n : n;
  } catch {
    return undefined;
  }
}

/** An integer outside Number's safe range, from its YAML text, as a BigInt; others as Numbers. */
export function exactYamlInteger(source: string, value: number): number | bigint {
  if (Number.isSafeInteger(value)) return value;
  if (/^[-+]?\d+$/.test(source)) return exactNumber(source.startsWith('+') ? source.slice(1) : source);
  return bigIntOf(source) ?? value;
}

/** js-yaml 5's core-schema int, keeping integers outside the safe range exact. */
const exactIntTag = defineScalarTag<number | bigint>('tag:yaml.org,2002:int', {
  implicit: true,
  implicitFirstChars: intCoreTag.implicitFirstChars,
  resolve: (source, isExplicit, tagName) => {
    const value = intCoreTag.resolve(source, isExplicit, tagName);
    return value === NOT_RESOLVED ? value : exactYamlInteger(source, value);
  },
  identify: (data) => typeof data === 'bigint' || intCoreTag.identify(data),
  represent: (data) => (typeof data === 'bigint' ? data.toString() : intCoreTag.represent(data)),
});

/** The schema user YAML is read with: js-yaml 5's default (core) with exact integers. */
export const EXACT_CORE_SCHEMA: Schema = CORE_SCHEMA.withTags(exactIntTag);

interface Yaml4Type {
  resolve(data: unknown): boolean;
  construct(data: unknown): unknown;
  predicate?: (data: unknown) => boolean;
  represent?: unknown;
  defaultStyle?: string;
  instanceOf?: unknown;
}
interface Yaml4 {
  loadAll(text: string, options?: { schema?: unknown }): unknown[];
  Type: new (tag: string, options: Record<string, unknown>) => unknown;
  FAILSAFE_SCHEMA: { extend(types: { implicit: unknown[]; explicit: unknown[] }): unknown };
  types: Record<'null' | 'bool' | 'int' | 'float' | 'timestamp' | 'merge' | 'binary' | 'omap' | 'pairs' | 'set', Yaml4Type>;
}

function yaml4(): Yaml4 {
  return createRequire(import.meta.url)('js-yaml-4') as Yaml4;
}

let yaml4Schema: unknown;

/**
 * js-yaml 4's default schema with its int type keeping integers outside the safe range exact, for
 * the text only js-yaml 4 reads (yamlSource.ts's lenient path, the conformance test lists).
 */
export function exactYaml4Schema(): unknown {
  if (yaml4Schema) return yaml4Schema;
  const y = yaml4();
  const int = y.types.int;
  const exactInt = new y.Type('tag:yaml.org,2002:int', {
    kind: 'scalar',
    resolve: (data: unknown) => int.resolve(data),
    construct: (data: unknown) => exactYamlInteger(String(data).replace(/_/g, ''), int.construct(data) as number),
    predicate: (data: unknown) => typeof data === 'bigint' || (int.predicate?.(data) ?? false),
    represent: int.represent,
    defaultStyle: int.defaultStyle,
  });
  const t = y.types;
  yaml4Schema = y.FAILSAFE_SCHEMA.extend({ implicit: [t.null, t.bool, exactInt, t.float, t.timestamp, t.merge], explicit: [t.binary, t.omap, t.pairs, t.set] });
  return yaml4Schema;
}
