/**
 * The CWL layer's face for what sits at its root: the normalised model, the errors CWL code
 * raises, and the JobSpec a tool run becomes. Kept light (no module beyond these), since the run
 * command imports it early. The parts each have a face of their own, so that a caller loads only
 * the part it uses (the run command loads most of them lazily): load/, inputs/, expressions/,
 * commandLine/, outputs/, execution/, workflow/, app/ and typegen/ (each index.ts).
 */
export * from './model.js';
export * from './errors.js';
export type { JobSpec, JobPaths, JobOptions, JobResult } from './jobSpec.js';
export { trustDeferredExtraCaCerts } from './load/extraCaCerts.js';
