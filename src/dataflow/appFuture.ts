/**
 * AppFuture: what an app call returns. PromiseLike (await it), with the task's id and state, and
 * `.output(name)`: a future of one field of the result, which can itself be passed to another app
 * (Parsl's DataFuture, generalised to CWL output objects).
 *
 * A future is a thin view of the kernel's TaskRecord; the native Promise behind `then` is made only
 * when someone awaits, so the kernel's hot path creates none.
 */
import type { TaskRecord } from './taskRecord.js';
import type { TaskState } from './taskState.js';
import { isSuccessState } from './taskState.js';

export class AppFuture<T = unknown> implements PromiseLike<T> {
  /** @internal */
  readonly record: TaskRecord;
  /** @internal The output field this future picks from the result (`.output(name)`), if any. */
  readonly pick: string | undefined;
  private promise: Promise<T> | undefined;

  /** @internal Futures are made by the kernel. */
  constructor(record: TaskRecord, pick?: string) {
    this.record = record;
    this.pick = pick;
  }

  /** The id of the task that produces this value. */
  get taskId(): number {
    return this.record.id;
  }

  get state(): TaskState {
    return this.record.state;
  }

  /** True once the task reached a final state. */
  done(): boolean {
    return isFinal(this.record);
  }

  /** Resolves with the result; rejects with the task's error. */
  result(): Promise<T> {
    if (!this.promise) {
      this.promise = new Promise<T>((resolve, reject) => {
        onSettled(this.record, () => {
          if (isSuccessState(this.record.state)) {
            try {
              resolve(this.value());
            } catch (err) {
              reject(err);
            }
          } else reject(this.record.error);
        });
      });
    }
    return this.promise;
  }

  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.result().then(onfulfilled, onrejected);
  }

  /** A future of one output of this task's result object. */
  output<K extends keyof T & string>(name: K): AppFuture<T[K]> {
    if (this.pick !== undefined) return new AppFuture<T[K]>(this.record, `${this.pick}\u0000${name}`);
    return new AppFuture<T[K]>(this.record, name);
  }

  /** @internal The resolved value (call only in a success state). */
  value(): T {
    let v = this.record.result;
    if (this.pick !== undefined) {
      for (const key of this.pick.split('\u0000')) {
        if (typeof v !== 'object' || v === null || !(key in v)) {
          throw new TypeError(`task ${this.record.id} (${this.record.app.name}) has no output '${key}'`);
        }
        v = (v as Record<string, unknown>)[key];
      }
    }
    return v as T;
  }
}

function isFinal(record: TaskRecord): boolean {
  const s = record.state;
  return s === 'exec_done' || s === 'failed' || s === 'dep_fail' || s === 'memo_done';
}

/** Run `listener` when the task is final (at once if it already is). */
export function onSettled(record: TaskRecord, listener: () => void): void {
  if (isFinal(record)) listener();
  else (record.listeners ??= []).push(listener);
}
