/**
 * Moved to src/util/errors.ts. This re-export remains only for src/executors/htex/worker.ts, which
 * the process-layer rewrite (issue 13) owns; delete it when that change lands and points its import
 * at ../util/index.js.
 */
export * from './util/errors.js';
