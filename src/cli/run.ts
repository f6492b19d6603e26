/** `parsl-cwl [options] DOC[#id] [JOB] [--input value ...]`: run a CWL document. */
import { ParslCwlError, ErrorCode } from '../errors.js';

export async function main(_argv: string[]): Promise<number> {
  throw new ParslCwlError(ErrorCode.UsageError, 'the runner is being built (issue 2)');
}
