/** Errors of `parsl-cwl report` (src/util/errors.ts has the codes). */
import { ErrorCode, ParslCwlError } from '../../util/index.js';

/** The prebuilt page (dist/bundle/report-template.html) is missing or damaged: the build did not finish. */
export class ReportAssetsMissingError extends ParslCwlError {
  constructor(readonly file: string, options?: { cause?: unknown }) {
    super(ErrorCode.ReportAssetsMissing, `${file}: the report page template is missing or damaged; run npm run build`, { cause: options?.cause, data: { file } });
  }
}

/** The report file could not be written. */
export class ReportWriteError extends ParslCwlError {
  constructor(readonly file: string, reason: string, options?: { cause?: unknown }) {
    super(ErrorCode.ReportWriteFailed, `${file}: cannot write the report: ${reason}; choose another file with -o`, { cause: options?.cause, data: { file } });
  }
}
