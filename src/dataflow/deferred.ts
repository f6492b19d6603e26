/**
 * `Deferred<T>`: a value of type T in which any part may still be a future of that part. App
 * arguments are Deferred, so `cat({ files: [wc(...).output('output')] })` type-checks while a
 * future of the wrong type does not.
 */
import type { AppFuture } from './appFuture.js';

export type Deferred<T> =
  | T
  | AppFuture<T>
  | (T extends readonly (infer E)[] ? Deferred<E>[] : T extends (...args: never[]) => unknown ? never : T extends object ? { [K in keyof T]: Deferred<T[K]> } : never);
