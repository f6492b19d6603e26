/**
 * From an exit code to success or failure (CWL v1.2 §Execution, CommandLineTool successCodes,
 * temporaryFailCodes, permanentFailCodes).
 */
import { open } from 'node:fs/promises';
import type { CommandLineTool } from '../model.js';

export type ExitStatus = 'success' | 'temporaryFail' | 'permanentFail';

/**
 * Listed codes win in the order success, temporary, permanent; an unlisted 0 is success and any
 * other unlisted code a permanent failure (the spec lets the runner choose; this is the reference
 * runner's choice).
 */
export function exitStatus(tool: CommandLineTool, exitCode: number): ExitStatus {
  if (tool.successCodes?.includes(exitCode)) return 'success';
  if (tool.temporaryFailCodes?.includes(exitCode)) return 'temporaryFail';
  if (tool.permanentFailCodes?.includes(exitCode)) return 'permanentFail';
  return exitCode === 0 ? 'success' : 'permanentFail';
}

/** The last lines of a log file (for error messages), at most `maxBytes` of it. */
export async function fileTail(file: string, maxLines = 10, maxBytes = 4096): Promise<string> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    return '';
  }
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, maxBytes);
    const buf = Buffer.alloc(length);
    await handle.read(buf, 0, length, size - length);
    const lines = buf.toString('utf8').replace(/\s+$/, '').split('\n');
    return lines.slice(-maxLines).join('\n');
  } finally {
    await handle.close();
  }
}
