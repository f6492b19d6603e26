/**
 * The two pieces every long-lived helper process we talk to over a pipe needs (the bash command
 * shells, the native spawner, the bash-task shell): whole lines out of its stdout chunks, and
 * whether it may keep this process alive.
 */
import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';

/** Feed it stdout chunks (utf8 strings); it calls `onLine` for each complete line, without the '\n'. */
export function lineSplitter(onLine: (line: string) => void): (chunk: string) => void {
  let buffer = '';
  return (chunk) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      onLine(line);
    }
  };
}

/** An idle helper must not keep this process alive, a busy one must: the child and its stdout pipe. */
export function setChildRef(proc: ChildProcess, on: boolean): void {
  const out = proc.stdout as (Readable & { ref?: () => void; unref?: () => void }) | null;
  if (on) {
    proc.ref();
    out?.ref?.();
  } else {
    proc.unref();
    out?.unref?.();
  }
}
