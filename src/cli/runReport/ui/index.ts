/**
 * The report page's entry point (bundled by scripts/bundleReport.ts; it runs on load). The record is in the page as JSON (a <script type="application/json">
 * written by src/cli/runReport/html.ts); everything is drawn from it with no request of any kind,
 * so the file opens from disk and works offline. When the first drawing is done the body gets
 * `data-ready="1"` (what the browser tests wait for).
 */
import { taskGroups, el, type RunRecord } from './data.js';
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

function start(): void {
  const began = performance.now();
  const data = JSON.parse(document.getElementById('pcwl-data')!.textContent ?? '{}') as { record: RunRecord };
  const record = data.record;
  const groups = taskGroups(record);
  const title = record.run.process ? record.run.process.split('/').pop()! : `run ${record.run.id}`;
  document.title = `${title} — parsl-cwl report`;
  const header = el('header');
  header.append(el('h1', {}, title), el('span', { class: 'sub' }, `run ${record.run.id} · parsl-cwl ${record.run.version}`));
  document.getElementById('app')!.append(header);

  // Summary and graph side by side on a wide screen: the first view shows what happened and where.
  const top = el('div', { class: 'top' });
  document.getElementById('app')!.append(top);
  renderSummary(section('summary', 'Summary', top), record, groups);
  const graphSection = section('graph', record.steps.length > 0 || record.tasks.some((t) => t.step !== undefined) ? 'Workflow graph' : 'Tasks by name', top);
  const timelineSection = section('timeline', 'Timeline (tasks per worker and block)');
  const distSection = section('distributions', 'Durations and resources per step');
  const table = renderTable(section('tasks', 'Tasks'), record);
  renderGraph(graphSection, record, groups, (name) => {
    table.search(name);
    document.getElementById('tasks')!.scrollIntoView();
  });
  renderTimeline(timelineSection, record, (task) => table.select(task));
  renderDistributions(distSection, groups);
  const renderMs = performance.now() - began;
  (window as unknown as { pcwlReport: unknown }).pcwlReport = { renderMs, tasks: record.tasks.length };
  document.body.dataset.ready = '1';
}

start();
