/** `parsl-cwl report`: a run record as one self-contained HTML page (docs/report.md). */
export { reportHtml } from './html.js';
export { ReportAssetsMissingError, ReportWriteError } from './errors.js';
