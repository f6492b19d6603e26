/** The workflow engine (Workflow.yml): runs Workflows on the submitting side, tool jobs on the kernel. */
export { runWorkflow } from './workflowRun.js';
export type { WorkflowRunOptions } from './workflowRun.js';
export { runWorkflowOnKernel } from './runOnKernel.js';
export type { WorkflowRunRequest, WorkflowRunResult } from './runOnKernel.js';
export { WorkflowProgress } from './progress.js';
export type { ProgressCounts } from './progress.js';
export { defaultWorkflowServices } from './defaultServices.js';
export type { WorkflowServices, StepEvaluate } from './services.js';
export { kernelToolJobSubmitter } from './kernelSubmitter.js';
export { buildGraph } from './graph.js';
export { planScatter } from './scatter.js';
export { inheritRequirements } from './requirements.js';
