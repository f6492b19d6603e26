/** The run record (docs/run-record.md): its model, the kernel's writer, and the reader programs use. */
export type { RunRecord, RunInfo, TaskRow, TaskAttempt, BlockRow, StepRow } from './model.js';
export { RunRecorder, RECORD_FORMAT, type TaskTags } from './writer.js';
export { readRunRecord, readTaskEvents, type TaskEventLine } from './reader.js';
