/**
 * Signalling a whole process group: every task, tool command, worker pool and runner under test is
 * started in a group of its own, so a walltime, cancel or shutdown reaches its grandchildren too.
 * Used by the supervisor, the providers, the HTEX executor and the conformance harness.
 */

/** Send `sig` to process group `pgid` (0 only tests that it exists); false when the group is gone. */
export function signalGroup(pgid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, sig);
    return true;
  } catch {
    return false; // ESRCH: no process left in the group
  }
}

const CLEANUP_HANDLER = Symbol.for('parsl-cwl.signalCleanupHandler');
type SignalListener = ((sig: NodeJS.Signals) => void) & { [CLEANUP_HANDLER]?: true };

/**
 * Marks `handler` as a clean-up handler for SIGINT/SIGTERM/SIGHUP: the supervisor kills its
 * process groups when a signal would end the process anyway. When the
 * program has a handler of its own for the signal (the CLI's: it cancels the run, and cancelled
 * commands get SIGTERM and a grace period before SIGKILL), the clean-up handlers stand aside:
 * killing at once would take that grace period away.
 */
export function cleanupSignalHandler(handler: (sig: NodeJS.Signals) => void): (sig: NodeJS.Signals) => void {
  (handler as SignalListener)[CLEANUP_HANDLER] = true;
  return handler;
}

/** Does a handler that is not a clean-up handler take care of `sig`? */
export function signalOwnedElsewhere(sig: NodeJS.Signals): boolean {
  return process.listeners(sig).some((listener) => !(listener as SignalListener)[CLEANUP_HANDLER]);
}

/**
 * Resolves once process group `pgid` is empty (kill(-pgid, 0) gives ESRCH), checking every few ms,
 * or after `boundMs` at most: a member that died but was not reaped (a zombie whose new parent
 * never waits, as PID 1 of some containers) still counts as a member, and nothing can remove it.
 */
export async function groupGone(pgid: number, boundMs: number): Promise<void> {
  const deadline = Date.now() + boundMs;
  let wait = 2;
  while (signalGroup(pgid, 0) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, wait));
    wait = Math.min(wait * 2, 25);
  }
}
