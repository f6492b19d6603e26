/**
 * The run record as a program reads it back (docs/run-record.md): the contract between the code
 * that writes a run's record and the code that reads it (`parsl-cwl report`, `--provenance`).
 * Times are epoch milliseconds. Fields may be added; none is renamed or changes meaning without a
 * new `format`.
 */

export interface RunRecord {
  /** The record folder (absolute). */
  dir: string;
  run: RunInfo;
  /** One row per task; a retried task is one row with several attempts. */
  tasks: TaskRow[];
  blocks: BlockRow[];
  /** CWL workflow steps (empty for a kernel program or a single tool run). */
  steps: StepRow[];
  /** Step → step dependencies of the workflow graph (by step name). */
  edges: Array<{ from: string; to: string }>;
}

export interface RunInfo {
  id: string;
  /** Names the record's layout, e.g. `parsl-cwl-record/1`. */
  format: string;
  status: 'running' | 'succeeded' | 'failed' | 'cancelled';
  startedAt: number;
  endedAt?: number;
  argv: string[];
  cwd: string;
  /** The CWL document run (CLI runs). */
  process?: string;
  /** The input object file (CLI runs). */
  jobFile?: string;
  executor: string;
  version: string;
  hostname: string;
}

export interface TaskAttempt {
  try: number;
  launchedAt?: number;
  startedAt?: number;
  endedAt?: number;
  block?: string;
  manager?: string;
  worker?: string;
  outcome?: 'ok' | 'failed' | 'lost' | 'cancelled';
  errorCode?: string;
  error?: string;
}

export interface TaskRow {
  id: number;
  name: string;
  /** The kernel's task kind (a CWL job, a bash app, ...). */
  kind: string;
  /** CWL: the workflow step this task runs, and its scatter index. */
  step?: string;
  scatterIndex?: number[];
  /** The state the task ended in (TaskState), or the latest one of a running task. */
  state: string;
  submittedAt: number;
  /** Its dependencies were all done. */
  readyAt?: number;
  launchedAt?: number;
  startedAt?: number;
  endedAt?: number;
  executor?: string;
  block?: string;
  manager?: string;
  worker?: string;
  tries: number;
  attempts: TaskAttempt[];
  exitCode?: number;
  errorCode?: string;
  error?: string;
  /** CWL jobs: the command line, the job folder, the tail of the command's stderr (failures). */
  commandLine?: string[];
  jobDir?: string;
  stderrTail?: string;
  inputBytes?: number;
  outputBytes?: number;
  /** The command's resource use (wait4 rusage). */
  wallMs?: number;
  cpuMs?: number;
  maxRssKb?: number;
  /** The container image the command ran in, if any. */
  image?: string;
}

export interface BlockRow {
  id: string;
  executor: string;
  provider: string;
  /** The scheduler's job id (Slurm), if any. */
  jobId?: string;
  state: string;
  submittedAt: number;
  runningAt?: number;
  endedAt?: number;
}

export interface StepRow {
  name: string;
  /** The step's `run` document. */
  tool?: string;
  /** Scatter instances (1 for a step that does not scatter). */
  scatterWidth?: number;
}
