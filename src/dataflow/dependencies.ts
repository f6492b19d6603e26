/**
 * Futures among a task's arguments: found anywhere in arrays and plain objects, and replaced by
 * their values once they resolved. Class instances other than AppFuture are left alone (a Date or a
 * Buffer is a value, not a container to search).
 */
import { AppFuture } from './appFuture.js';

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

const NONE: readonly AppFuture[] = Object.freeze([]);

/** Every future inside `value` (depth first). A native Promise throws: it is a mistake (see below). */
export function findFutures(value: unknown): readonly AppFuture[] {
  // Scalars and no-argument tasks (the benchmark's) allocate nothing.
  if (typeof value !== 'object' || value === null) return NONE;
  return collect(value, []);
}

function collect(value: unknown, found: AppFuture[]): AppFuture[] {
  if (typeof value !== 'object' || value === null) return found;
  if (value instanceof AppFuture) {
    found.push(value);
  } else if (Array.isArray(value)) {
    for (const item of value) if (typeof item === 'object' && item !== null) collect(item, found);
  } else if (value instanceof Promise) {
    throw new TypeError('an argument is a Promise: pass an AppFuture (from an app call) or await the promise first');
  } else if (isPlainObject(value)) {
    for (const key in value) {
      const item = (value as Record<string, unknown>)[key];
      if (typeof item === 'object' && item !== null) collect(item, found);
    }
  }
  return found;
}

/** A copy of `value` with every future replaced by its value (all of them must have succeeded). */
export function substituteFutures(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof AppFuture) return value.value();
  if (Array.isArray(value)) return value.map(substituteFutures);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const key in value) out[key] = substituteFutures((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}
