/**
 * The timeline (Gantt): one row per worker, grouped by block, one bar per task attempt in the
 * colour of its state. Drawn on a canvas, only the rows in view: a 20,000-task run is 20,000
 * rectangles, which the DOM would not take but a canvas draws in a few milliseconds.
 * Tasks whose record names no worker (the local executor) are packed into rows greedily, so the
 * rows show how many ran at once.
 */
import { el, formatMs, runEnd, STATE_ORDER, stateColour, taskLabel, taskSpan, workerLabel, type RunRecord, type TaskRow } from './data.js';

const ROW_H = 14;
const AXIS_H = 22;
const LABEL_W = 150;
const VIEW_ROWS = 28;

interface Bar {
  start: number;
  end: number;
  task: TaskRow;
}
interface Row {
  label: string;
  /** A block's header row (its lifetime as a thin bar), else a worker's row of task bars. */
  block?: { submittedAt: number; runningAt?: number; endedAt?: number };
  bars: Bar[];
}

export function timelineRows(record: RunRecord): { rows: Row[]; t0: number; t1: number } {
  const end = runEnd(record);
  const groups = new Map<string, TaskRow[]>();
  for (const t of record.tasks) {
    const key = t.block !== undefined ? `block ${t.block}` : (t.executor ?? 'tasks');
    let list = groups.get(key);
    if (list === undefined) groups.set(key, (list = []));
    list.push(t);
  }
  const blocks = new Map(record.blocks.map((b) => [`block ${b.id}`, b]));
  for (const key of blocks.keys()) if (!groups.has(key)) groups.set(key, []);
  const rows: Row[] = [];
  let t0 = record.run.startedAt;
  let t1 = end;
  for (const [key, tasks] of [...groups].sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true }))) {
    const b = blocks.get(key);
    rows.push({ label: b ? `${key} (${b.provider}${b.jobId ? ` ${b.jobId}` : ''})` : key, block: b ?? { submittedAt: NaN }, bars: [] });
    if (b) {
      t0 = Math.min(t0, b.submittedAt);
      t1 = Math.max(t1, b.endedAt ?? b.submittedAt);
    }
    const byWorker = new Map<string, Row>();
    const packed: Row[] = [];
    const packedEnds: number[] = [];
    const bars: Bar[] = [];
    for (const task of tasks) {
      const span = taskSpan(task, end);
      if (span) bars.push({ start: span[0], end: span[1], task });
    }
    bars.sort((a, b) => a.start - b.start);
    for (const bar of bars) {
      const w = bar.task.worker;
      if (w !== undefined) {
        const wk = `${bar.task.manager ?? ''}/${w}`;
        let row = byWorker.get(wk);
        if (row === undefined) byWorker.set(wk, (row = { label: workerLabel(bar.task), bars: [] }));
        row.bars.push(bar);
        continue;
      }
      // Greedy packing: the first row free at this bar's start.
      let i = packedEnds.findIndex((end) => end <= bar.start);
      if (i < 0) {
        i = packed.length;
        packed.push({ label: `slot ${i + 1}`, bars: [] });
        packedEnds.push(0);
      }
      packed[i]!.bars.push(bar);
      packedEnds[i] = bar.end;
    }
    rows.push(...[...byWorker.values()].sort((a, b) => a.label.localeCompare(b.label, undefined, { numeric: true })), ...packed);
  }
  return { rows, t0, t1: Math.max(t1, t0 + 1) };
}

export function renderTimeline(root: HTMLElement, record: RunRecord, onSelect: (task: TaskRow) => void): void {
  const { rows, t0, t1 } = timelineRows(record);
  const scroller = el('div', { class: 'timeline-scroll' });
  const totalH = rows.length * ROW_H;
  const viewH = Math.min(totalH, VIEW_ROWS * ROW_H) + AXIS_H;
  scroller.style.height = `${viewH}px`;
  const spacer = el('div');
  // The canvas is sticky at the top of the scroller; the spacer makes the scroll height all rows.
  spacer.style.height = `${Math.max(0, totalH + AXIS_H - viewH)}px`;
  const canvas = el('canvas', { 'data-testid': 'timeline', 'data-rows': String(rows.length), 'data-bars': String(rows.reduce((n, r) => n + r.bars.length, 0)) });
  canvas.className = 'timeline-canvas';
  const tip = el('div', { class: 'tip' });
  scroller.append(canvas, spacer);
  // The colours' key: the states the run's tasks ended in.
  const legend = el('p', { class: 'legend' });
  const states = new Set(record.tasks.map((t) => t.state));
  for (const st of STATE_ORDER.filter((x) => states.has(x))) {
    const sw = el('span', { class: 'swatch' });
    sw.style.background = stateColour(st);
    legend.append(sw, document.createTextNode(st));
  }
  root.append(legend, scroller, tip);

  const dpr = window.devicePixelRatio || 1;
  let width = 0;
  const x = (t: number): number => LABEL_W + ((t - t0) / (t1 - t0)) * (width - LABEL_W - 8);
  const draw = (): void => {
    width = scroller.clientWidth;
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(viewH * dpr);
    canvas.style.width = `${width}px`;
    canvas.style.height = `${viewH}px`;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, viewH);
    const first = Math.floor(scroller.scrollTop / ROW_H);
    const last = Math.min(rows.length, first + Math.ceil((viewH - AXIS_H) / ROW_H) + 1);
    const yOff = AXIS_H - (scroller.scrollTop % ROW_H);
    ctx.font = '11px system-ui, sans-serif';
    for (let r = first; r < last; r++) {
      const row = rows[r]!;
      const y = yOff + (r - first) * ROW_H;
      if (row.block) {
        ctx.fillStyle = '#f2f2f2';
        ctx.fillRect(0, y, width, ROW_H);
        const b = row.block;
        if (Number.isFinite(b.submittedAt)) {
          ctx.fillStyle = '#c9c9c9';
          ctx.fillRect(x(b.submittedAt), y + 5, Math.max(1, x(b.runningAt ?? b.endedAt ?? t1) - x(b.submittedAt)), 4);
          ctx.fillStyle = '#777';
          if (b.runningAt !== undefined) ctx.fillRect(x(b.runningAt), y + 4, Math.max(1, x(b.endedAt ?? t1) - x(b.runningAt)), 6);
        }
      }
      for (const bar of row.bars) {
        const bx = x(bar.start);
        ctx.fillStyle = stateColour(bar.task.state);
        // One pixel less than the span, so back-to-back tasks on a worker stay two bars.
        const w = x(bar.end) - bx;
        ctx.fillRect(bx, y + 2, Math.max(1, w > 3 ? w - 1 : w), ROW_H - 4);
      }
      ctx.fillStyle = '#fff';
      ctx.fillRect(0, y, LABEL_W - 4, ROW_H);
      ctx.fillStyle = row.block ? '#222' : '#555';
      ctx.fillText(row.label.length > 22 ? `${row.label.slice(0, 21)}…` : row.label, row.block ? 4 : 14, y + ROW_H - 3);
    }
    // The time axis stays on top.
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, width, AXIS_H);
    ctx.strokeStyle = '#ccc';
    ctx.fillStyle = '#444';
    const span = t1 - t0;
    const step = niceStep(span / 8);
    for (let t = 0; t <= span; t += step) {
      const tx = x(t0 + t);
      ctx.beginPath();
      ctx.moveTo(tx + 0.5, AXIS_H - 6);
      ctx.lineTo(tx + 0.5, viewH);
      ctx.stroke();
      ctx.fillText(formatMs(t), tx + 2, 12);
    }
  };
  let pending = false;
  const redraw = (): void => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      draw();
    });
  };
  scroller.addEventListener('scroll', redraw, { passive: true });
  window.addEventListener('resize', redraw);
  draw();

  const hit = (ev: MouseEvent): Bar | undefined => {
    const rect = canvas.getBoundingClientRect();
    const py = ev.clientY - rect.top - AXIS_H;
    if (py < 0) return undefined;
    const row = rows[Math.floor((py + scroller.scrollTop) / ROW_H)];
    if (!row) return undefined;
    const t = t0 + ((ev.clientX - rect.left - LABEL_W) / (width - LABEL_W - 8)) * (t1 - t0);
    const slack = ((t1 - t0) / (width - LABEL_W)) * 2;
    // Bars are sorted by start: the last one starting before t (binary search) is the candidate.
    let lo = 0;
    let hi = row.bars.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (row.bars[mid]!.start <= t + slack) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    const bar = found >= 0 ? row.bars[found] : undefined;
    return bar && bar.end + slack >= t ? bar : undefined;
  };
  canvas.addEventListener('mousemove', (ev) => {
    const bar = hit(ev);
    if (!bar) {
      tip.style.display = 'none';
      return;
    }
    tip.textContent = `${taskLabel(bar.task)} (task ${bar.task.id}): ${bar.task.state}, ${formatMs(bar.end - bar.start)}`;
    tip.style.display = 'block';
    tip.style.left = `${ev.pageX + 12}px`;
    tip.style.top = `${ev.pageY + 12}px`;
  });
  canvas.addEventListener('mouseleave', () => (tip.style.display = 'none'));
  canvas.addEventListener('click', (ev) => {
    const bar = hit(ev);
    if (bar) onSelect(bar.task);
  });
}

function niceStep(raw: number): number {
  const pow = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
  for (const m of [1, 2, 5, 10]) if (m * pow >= raw) return m * pow;
  return 10 * pow;
}
