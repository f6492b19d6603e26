/**
 * The task table: searchable and sortable, virtualised (only the rows in view exist in the DOM, so
 * 20,000 tasks scroll and filter as fast as 20). Fixed row height makes the window a division.
 * Clicking a row shows the task's details (command line, job folder, attempts, stderr tail).
 */
import { shellLine } from '../shellWords.js';
import { el, formatKb, formatMs, stateColour, taskDuration, taskLabel, workerLabel, type RunRecord, type TaskRow } from './data.js';

const ROW_H = 22;
const VIEW_ROWS = 18;
const OVERSCAN = 6;

interface Column {
  title: string;
  width: string;
  text: (t: TaskRow) => string;
  sortKey: (t: TaskRow) => number | string;
}

export interface TaskTable {
  search(text: string): void;
  select(task: TaskRow): void;
}

export function renderTable(root: HTMLElement, record: RunRecord): TaskTable {
  const t0 = record.run.startedAt;
  const worker = (t: TaskRow): string => [t.block !== undefined ? `b${t.block}` : '', workerLabel(t)].filter(Boolean).join(' ');
  const columns: Column[] = [
    { title: 'id', width: '60px', text: (t) => String(t.id), sortKey: (t) => t.id },
    { title: 'task', width: '2fr', text: taskLabel, sortKey: taskLabel },
    { title: 'state', width: '90px', text: (t) => t.state, sortKey: (t) => t.state },
    { title: 'worker', width: '1fr', text: worker, sortKey: worker },
    { title: 'start', width: '80px', text: (t) => (t.startedAt !== undefined ? `+${formatMs(t.startedAt - t0)}` : ''), sortKey: (t) => t.startedAt ?? Infinity },
    { title: 'duration', width: '80px', text: (t) => formatMs(taskDuration(t)), sortKey: (t) => taskDuration(t) ?? -1 },
    { title: 'tries', width: '48px', text: (t) => String(t.tries), sortKey: (t) => t.tries },
    { title: 'exit', width: '44px', text: (t) => (t.exitCode !== undefined ? String(t.exitCode) : ''), sortKey: (t) => t.exitCode ?? -1 },
    { title: 'error', width: '2fr', text: (t) => (t.errorCode ? `[${t.errorCode}] ${t.error ?? ''}` : (t.error ?? '')), sortKey: (t) => t.error ?? '' },
  ];
  const template = columns.map((c) => c.width).join(' ');
  // One lower-case string per task to search in: ids, names, states, errors, workers, command lines.
  // Made at the first search, not when the page opens (a fifth of the first drawing of 20,000 tasks).
  let haystack: Map<TaskRow, string> | undefined;
  const haystackOf = (): Map<TaskRow, string> => {
    if (haystack) return haystack;
    haystack = new Map();
    for (const t of record.tasks) {
      haystack.set(t, [...columns.map((c) => c.text(t)), t.name, t.commandLine?.join(' ') ?? '', t.jobDir ?? '', t.image ?? ''].join('\u0001').toLowerCase());
    }
    return haystack;
  };

  const bar = el('div', { class: 'table-bar' });
  const input = el('input', { type: 'search', placeholder: 'search tasks (name, state, error, worker, command…)', 'data-testid': 'search' });
  const count = el('span', { class: 'count', 'data-testid': 'row-count' });
  bar.append(input, count);
  const header = el('div', { class: 'trow thead' });
  header.style.gridTemplateColumns = template;
  const scroller = el('div', { class: 'table-scroll', 'data-testid': 'task-table' });
  const body = el('div', { class: 'tbody' });
  scroller.append(body);
  const detail = el('div', { class: 'detail', 'data-testid': 'task-detail' });
  root.append(bar, header, scroller, detail);

  let rows = record.tasks.slice();
  let sortCol = -1;
  let sortDir = 1;
  columns.forEach((c, i) => {
    const h = el('div', { class: 'th' }, c.title);
    h.addEventListener('click', () => {
      sortDir = sortCol === i ? -sortDir : 1;
      sortCol = i;
      applySort();
      draw(true);
    });
    header.append(h);
  });

  const applySort = (): void => {
    if (sortCol < 0) return;
    const key = columns[sortCol]!.sortKey;
    const keys = new Map(rows.map((t) => [t, key(t)]));
    rows.sort((a, b) => {
      const ka = keys.get(a)!;
      const kb = keys.get(b)!;
      return (ka < kb ? -1 : ka > kb ? 1 : 0) * sortDir;
    });
  };

  const draw = (reset = false): void => {
    if (reset) scroller.scrollTop = 0;
    body.style.height = `${rows.length * ROW_H}px`;
    // As tall as its rows, up to VIEW_ROWS: a small run has no empty box under its table.
    scroller.style.height = `${Math.max(3, Math.min(VIEW_ROWS, rows.length)) * ROW_H + 2}px`;
    const first = Math.max(0, Math.floor(scroller.scrollTop / ROW_H) - OVERSCAN);
    const last = Math.min(rows.length, Math.ceil((scroller.scrollTop + scroller.clientHeight) / ROW_H) + OVERSCAN);
    const frag = document.createDocumentFragment();
    for (let i = first; i < last; i++) {
      const t = rows[i]!;
      const r = el('div', { class: 'trow', 'data-task': String(t.id) });
      r.style.gridTemplateColumns = template;
      r.style.transform = `translateY(${i * ROW_H}px)`;
      for (const c of columns) r.append(el('div', { class: 'td' }, c.text(t)));
      (r.children[2] as HTMLElement).style.color = stateColour(t.state);
      r.addEventListener('click', () => select(t));
      frag.append(r);
    }
    body.replaceChildren(frag);
    count.textContent = `${rows.length} of ${record.tasks.length} tasks`;
  };

  const search = (text: string): void => {
    const words = text.toLowerCase().split(/\s+/).filter(Boolean);
    const hay = words.length === 0 ? undefined : haystackOf();
    rows = hay === undefined ? record.tasks.slice() : record.tasks.filter((t) => {
      const h = hay.get(t)!;
      return words.every((w) => h.includes(w));
    });
    applySort();
    draw(true);
  };

  const select = (t: TaskRow): void => {
    detail.replaceChildren();
    detail.append(el('h3', {}, `${taskLabel(t)} — task ${t.id} (${t.state})`));
    const dl = el('dl', { class: 'facts' });
    const add = (k: string, v: string | undefined): void => {
      if (v === undefined || v === '') return;
      dl.append(el('dt', {}, k), el('dd', {}, v));
    };
    add('kind', t.kind);
    add('executor', t.executor);
    add('worker', worker(t));
    add('queued', t.readyAt !== undefined && t.launchedAt !== undefined ? formatMs(t.launchedAt - t.readyAt) : undefined);
    add('duration', formatMs(taskDuration(t)));
    add('CPU', formatMs(t.cpuMs));
    add('peak memory', formatKb(t.maxRssKb));
    add('exit code', t.exitCode !== undefined ? String(t.exitCode) : undefined);
    add('error', t.errorCode ? `[${t.errorCode}] ${t.error ?? ''}` : t.error);
    add('job folder', t.jobDir);
    add('image', t.image);
    add('command', t.commandLine ? shellLine(t.commandLine) : undefined);
    if (t.attempts.length > 1) add('attempts', t.attempts.map((a) => `#${a.try} ${a.outcome ?? ''}${a.errorCode ? ` [${a.errorCode}]` : ''}`).join(', '));
    detail.append(dl);
    if (t.stderrTail) detail.append(el('pre', { class: 'stderr' }, t.stderrTail));
    detail.scrollIntoView({ block: 'nearest' });
  };

  let pending = false;
  scroller.addEventListener('scroll', () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      draw();
    });
  }, { passive: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => search(input.value), 80);
  });
  draw();
  return {
    search: (text: string) => {
      input.value = text;
      search(text);
    },
    select,
  };
}
