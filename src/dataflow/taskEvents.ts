/**
 * Task events (submitted, launched, running, done, failed) for progress displays and reports.
 * A typed subscription: `dfk.events.on('done', e => ...)` returns an unsubscribe function. Emitting
 * costs one array-length check when nobody listens, so the kernel's hot path pays nothing.
 */
import type { TaskState } from './taskState.js';

export interface TaskEvent {
  taskId: number;
  appName: string;
  state: TaskState;
  /** 0 for the first try. */
  attempt: number;
  /** Set on `failed` events. */
  error?: unknown;
}

export type TaskEventName = 'submitted' | 'launched' | 'running' | 'done' | 'failed';
export type TaskEventListener = (event: TaskEvent) => void;

export class TaskEvents {
  private readonly listeners: Record<TaskEventName, TaskEventListener[]> = {
    submitted: [],
    launched: [],
    running: [],
    done: [],
    failed: [],
  };

  /** Subscribe; returns the function that unsubscribes. `done` fires for exec_done and memo_done,
   * `failed` for failed and dep_fail. */
  on(name: TaskEventName, listener: TaskEventListener): () => void {
    this.listeners[name] = [...this.listeners[name], listener];
    return () => {
      this.listeners[name] = this.listeners[name].filter((l) => l !== listener);
    };
  }

  /** @internal True when someone listens to `name` (the kernel builds no event object otherwise). */
  has(name: TaskEventName): boolean {
    return this.listeners[name].length > 0;
  }

  /** @internal */
  emit(name: TaskEventName, event: TaskEvent): void {
    for (const l of this.listeners[name]) {
      try {
        l(event);
      } catch {
        // A listener's bug must not break the kernel's bookkeeping.
      }
    }
  }
}
