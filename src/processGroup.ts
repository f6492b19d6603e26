/**
 * Signalling a whole process group: every task, tool command, worker pool and runner under test is
 * started in a group of its own, so a walltime, cancel or shutdown reaches its grandchildren too.
 * Shared by the executors, providers, CWL execution and the conformance harness.
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
