/** How a failure is shown to a person: one clear message, the stack only with --debug. */
import { ParslCwlError } from '../util/index.js';

export function errorReport(err: unknown, debug: boolean): string {
  if (err instanceof ParslCwlError) {
    const lines = [`parsl-cwl: error: ${err.message}`];
    let cause: unknown = err.cause;
    while (cause !== undefined) {
      if (cause instanceof Error) {
        lines.push(`  caused by: ${cause.message}`);
        cause = cause.cause;
      } else {
        lines.push(`  caused by: ${String(cause)}`);
        break;
      }
    }
    if (debug && err.stack) lines.push(err.stack);
    return lines.join('\n');
  }
  if (err instanceof Error) {
    return debug ? `parsl-cwl: internal error: ${err.stack ?? err.message}` : `parsl-cwl: internal error: ${err.message} (run with --debug for details)`;
  }
  return `parsl-cwl: internal error: ${String(err)}`;
}
