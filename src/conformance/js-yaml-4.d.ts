/**
 * Types for js-yaml 4, installed under the alias `js-yaml-4` (see testList.ts for why this harness
 * needs version 4). Only the part the harness uses.
 */
declare module 'js-yaml-4' {
  export function load(text: string, options?: { filename?: string; schema?: unknown }): unknown;
}
