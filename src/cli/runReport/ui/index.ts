/**
 * The report page's entry point (bundled by scripts/bundleReport.ts; it runs on load). The record
 * is in the page (a <script type="application/x-pcwl-report">, gzipped JSON in base64 written by
 * src/cli/runReport/html.ts); everything is drawn from it with no request of any kind, so the
 * file opens from disk and works offline. When the first drawing is done the body gets
 * `data-ready="1"` (what the browser tests wait for).
 */
import { leafGroups, stepGroups, el, type RunRecord, type TaskRow } from './data.js';
import type { ReportData } from '../html.js';
import { renderSummary } from './summary.js';
import { renderGraph } from './graph.js';
import { renderTimeline } from './timeline.js';
import { renderDistributions } from './distributions.js';
import { renderTable } from './table.js';

function section(id: string, title: string, parent: HTMLElement = document.getElementById('app')!): HTMLElement {
  const s = el('section', { id });
  s.append(el('h2', {}, title));
  parent.append(s);
  return s;
}

/** The page's data as html.ts wrote it: base64 of gzipped JSON, inflated by the browser itself. */
async function unpack(base64: string): Promise<unknown> {
  const fromBase64 = (Uint8Array as unknown as { fromBase64?: (s: string) => Uint8Array }).fromBase64;
  let bytes: Uint8Array;
  if (fromBase64) bytes = fromBase64(base64.trim());
  else {
    const binary = atob(base64.trim());
    bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  }
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Response(stream).json();
}

/** The page's data (src/cli/runReport/html.ts, reportData) back into a RunRecord: a task without `attempts` had one. */
function decode(data: ReportData): RunRecord {
  for (const t of data.record.tasks as Array<Partial<TaskRow>>) t.attempts ??= [];
  return data.record;
}

async function start(): Promise<void> {
  const began = performance.now();
  // Where the first drawing's time goes, for the speed figures in docs/report.md.
  const timings: Record<string, number> = {};
  let mark = began;
  const lap = (name: string): void => {
    const now = performance.now();
    timings[name] = Math.round(now - mark);
    mark = now;
  };
  const data = (await unpack(document.getElementById('pcwl-data')!.textContent ?? '')) as ReportData;
  lap('parse');
  const record = decode(data);
  const groups = stepGroups(record);
  const title = record.run.process ? record.run.process.split('/').pop()! : `run ${record.run.id}`;
  document.title = `${title} — parsl-cwl report`;
  const header = el('header');
  header.append(el('h1', {}, title), el('span', { class: 'sub' }, `run ${record.run.id} · parsl-cwl ${record.run.version}`));
  document.getElementById('app')!.append(header);

  // Summary and graph side by side on a wide screen: the first view shows what happened and where.
  const top = el('div', { class: 'top' });
  document.getElementById('app')!.append(top);
  renderSummary(section('summary', 'Summary', top), record, groups);
  lap('summary');
  const graphSection = section('graph', record.steps.length > 0 || record.tasks.some((t) => t.step !== undefined) ? 'Workflow graph' : 'Tasks by name', top);
  const timelineSection = section('timeline', 'Timeline (tasks per worker and block)');
  const distSection = section('distributions', 'Durations and resources per step');
  const table = renderTable(section('tasks', 'Tasks'), record);
  lap('table');
  renderGraph(graphSection, record, groups, (name) => {
    table.search(name);
    document.getElementById('tasks')!.scrollIntoView();
  });
  lap('graph');
  renderTimeline(timelineSection, record, (task) => table.select(task));
  lap('timeline');
  renderDistributions(distSection, leafGroups(record));
  lap('distributions');
  const renderMs = performance.now() - began;
  (window as unknown as { pcwlReport: unknown }).pcwlReport = { renderMs, timings, tasks: record.tasks.length };
  document.body.dataset.ready = '1';
}

start().catch((err: unknown) => {
  // A damaged file: say so on the page rather than leave it blank.
  document.getElementById('app')!.textContent = `This report could not be read: ${String(err)}. Make it again with parsl-cwl report.`;
  throw err;
});
