/** Where the report template (scripts/bundleReport.ts) takes the run record's JSON (html.ts). */
export const DATA_MARKER = '<!--PCWL_REPORT_DATA-->';
