/** Running one CWL tool job (executeJob) and the pieces the CLI reuses. */
export { executeJob } from './executeJob.js';
export type { ExecuteHooks } from './executeJob.js';
export { RequirementSet, requirementClass } from './requirements.js';
