/**
 * The report as one HTML file: the template built by scripts/bundleReport.ts (the page's script
 * and style, prebuilt) with the run record put in as JSON. Nothing else happens at run time.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { RunRecord, TaskRow } from '../../dataflow/record/model.js';
import { DATA_MARKER } from './marker.js';
import { ReportAssetsMissingError } from './errors.js';

/** dist/src/cli/runReport/html.js → dist/bundle/report-template.html. */
const TEMPLATE = new URL('../../../bundle/report-template.html', import.meta.url);

let template: [string, string] | undefined;

function loadTemplate(): [string, string] {
  if (template) return template;
  let text: string;
  try {
    text = readFileSync(TEMPLATE, 'utf8');
  } catch {
    throw new ReportAssetsMissingError(fileURLToPath(TEMPLATE));
  }
  const at = text.indexOf(DATA_MARKER);
  if (at < 0 || text.indexOf(DATA_MARKER, at + 1) >= 0) throw new ReportAssetsMissingError(fileURLToPath(TEMPLATE));
  return (template = [text.slice(0, at), text.slice(at + DATA_MARKER.length)]);
}

/**
 * The page's data: the record, less each task's `attempts` when there is only one (it repeats the
 * task's own fields, and the page shows attempts only when there are several; the page puts back
 * an empty list). Measured on a 20,000-task record: 11.9 → 8.8 MB and JSON.parse ~40 % faster; a
 * columnar form was 4.4 MB but turning it back into objects cost more than it saved (docs/report.md).
 */
export interface ReportData {
  record: RunRecord;
}

export function reportData(record: RunRecord): ReportData {
  const tasks = record.tasks.map((t) => {
    if (t.attempts.length > 1) return t;
    const { attempts: _single, ...rest } = t;
    return rest as TaskRow;
  });
  return { record: { ...record, tasks } };
}

/**
 * The page for a record: its data as JSON, gzipped and in base64 (the page inflates it with the
 * browser's DecompressionStream). A browser parses the page's HTML much more slowly than it
 * inflates: for 20,000 tasks the file is 1.4 MB instead of 8.8 MB and opens faster (docs/report.md).
 * Level 1: level 6 saves another 0.3 MB for 60 % more time. Base64 has no `<`, so nothing in the
 * record can end the script element.
 */
export function reportHtml(record: RunRecord): string {
  const [head, tail] = loadTemplate();
  const packed = gzipSync(JSON.stringify(reportData(record)), { level: 1 }).toString('base64');
  return head + packed + tail;
}
