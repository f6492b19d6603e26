/** The summary: status, wall time, steps by state, and failures first with their stderr tail and job folder. */
import { el, formatMs, isFailed, runEnd, stateColour, STATE_ORDER, taskLabel, type RunRecord, type TaskGroup } from './data.js';

/** Failures shown in full; the rest are one filter away in the task table. */
const FAILURES_SHOWN = 20;

export function renderSummary(root: HTMLElement, record: RunRecord, groups: TaskGroup[]): void {
  const { run } = record;
  const end = runEnd(record);
  const facts = el('dl', { class: 'facts' });
  const fact = (k: string, v: string, testId?: string): void => {
    facts.append(el('dt', {}, k));
    const dd = el('dd', testId ? { 'data-testid': testId } : {}, v);
    facts.append(dd);
  };
  const status = el('span', { class: `status status-${run.status}`, 'data-testid': 'status' }, run.status);
  facts.append(el('dt', {}, 'status'));
  const dd = el('dd');
  dd.append(status);
  facts.append(dd);
  fact('wall time', formatMs(end - run.startedAt), 'wall-time');
  fact('started', new Date(run.startedAt).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC'));
  if (run.process) fact('document', run.process);
  if (run.jobFile) fact('inputs', run.jobFile);
  fact('executor', run.executor);
  fact('host', run.hostname);
  fact(record.steps.length > 0 ? 'steps' : 'task groups', String(groups.length), 'step-count');
  fact('tasks', String(record.tasks.length), 'task-count');
  fact('record', record.dir);
  root.append(facts);

  // Steps by state: one coloured count per state, then one line per step.
  const counts: Record<string, number> = {};
  for (const g of groups) counts[g.state] = (counts[g.state] ?? 0) + 1;
  const byState = el('p', { class: 'by-state', 'data-testid': 'steps-by-state' });
  for (const s of STATE_ORDER) {
    if (!counts[s]) continue;
    const chip = el('span', { class: 'chip' }, `${s} ${counts[s]}`);
    chip.style.borderColor = stateColour(s);
    chip.style.background = `${stateColour(s)}33`;
    byState.append(chip);
  }
  root.append(el('h3', {}, record.steps.length > 0 ? 'Steps by state' : 'Task groups by state'), byState);

  const failed = record.tasks.filter(isFailed).sort((a, b) => (a.endedAt ?? 0) - (b.endedAt ?? 0));
  const failedGroups = groups.filter((g) => g.state === 'failed').map((g) => g.name);
  const box = el('div', { class: 'failures', 'data-testid': 'failures', 'data-failed-steps': failedGroups.join(',') });
  if (failed.length === 0) {
    box.append(el('p', { class: 'none' }, 'No task failed.'));
  } else {
    box.append(el('h3', {}, `Failures (${failed.length} task${failed.length === 1 ? '' : 's'}; steps: ${failedGroups.join(', ')})`));
    for (const t of failed.slice(0, FAILURES_SHOWN)) {
      const item = el('div', { class: 'failure', 'data-task': String(t.id) });
      item.append(el('div', { class: 'failure-head' }, `${taskLabel(t)} — task ${t.id}${t.exitCode !== undefined ? `, exit ${t.exitCode}` : ''}${t.errorCode ? ` [${t.errorCode}]` : ''}`));
      if (t.error) item.append(el('div', { class: 'failure-error' }, t.error));
      if (t.jobDir) item.append(el('div', { class: 'failure-dir' }, `job folder: ${t.jobDir}`));
      if (t.stderrTail) item.append(el('pre', { class: 'stderr' }, t.stderrTail));
      box.append(item);
    }
    if (failed.length > FAILURES_SHOWN) box.append(el('p', {}, `… and ${failed.length - FAILURES_SHOWN} more: search "failed" in the task table.`));
  }
  root.append(box);
}
