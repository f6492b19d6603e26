/** Task states, as Parsl names them. A task moves pending → launched → running → exec_done | failed,
 * or straight to dep_fail (a dependency failed) or memo_done (result reused from the memo table). */
export type TaskState = 'pending' | 'launched' | 'running' | 'exec_done' | 'failed' | 'dep_fail' | 'memo_done';

/** States a task never leaves. */
export const FINAL_STATES: ReadonlySet<TaskState> = new Set<TaskState>(['exec_done', 'failed', 'dep_fail', 'memo_done']);

/** States whose task has a result (not an error). */
export function isSuccessState(state: TaskState): boolean {
  return state === 'exec_done' || state === 'memo_done';
}
