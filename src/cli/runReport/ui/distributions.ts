/**
 * Per-step duration and resource distributions: for each step (or app name) the count, quantiles
 * of duration, CPU time and peak memory, and small histograms of duration and peak memory drawn on
 * canvases.
 */
import { el, formatKb, formatMs, quantile, stateColour, taskDuration, type TaskGroup } from './data.js';

const BINS = 24;

export function renderDistributions(root: HTMLElement, groups: TaskGroup[]): void {
  const table = el('table', { class: 'dist', 'data-testid': 'distributions' });
  const head = el('tr');
  for (const h of ['step', 'tasks', 'duration min / median / p95 / max', 'durations', 'CPU median', 'peak memory median / max', 'peak memory']) head.append(el('th', {}, h));
  table.append(head);
  for (const g of groups) {
    const durations = g.tasks.map(taskDuration).filter((d): d is number => d !== undefined).sort((a, b) => a - b);
    const cpu = g.tasks.map((t) => t.cpuMs).filter((d): d is number => d !== undefined).sort((a, b) => a - b);
    const rss = g.tasks.map((t) => t.maxRssKb).filter((d): d is number => d !== undefined).sort((a, b) => a - b);
    const tr = el('tr', { 'data-step': g.name });
    const name = el('td');
    const dot = el('span', { class: 'dot' });
    dot.style.background = stateColour(g.state);
    name.append(dot, document.createTextNode(g.name));
    tr.append(
      name,
      el('td', { class: 'num' }, String(g.tasks.length)),
      el('td', { class: 'num' }, durations.length ? [0, 0.5, 0.95, 1].map((q) => formatMs(quantile(durations, q))).join(' / ') : ''),
      histogramCell(durations),
      el('td', { class: 'num' }, formatMs(quantile(cpu, 0.5))),
      el('td', { class: 'num' }, rss.length ? `${formatKb(quantile(rss, 0.5))} / ${formatKb(rss[rss.length - 1])}` : ''),
      histogramCell(rss),
    );
    table.append(tr);
  }
  root.append(table);
}

function histogramCell(sorted: number[]): HTMLTableCellElement {
  const td = el('td');
  if (sorted.length < 2) return td;
  const canvas = el('canvas', { class: 'hist' });
  const w = 160;
  const h = 26;
  const dpr = window.devicePixelRatio || 1;
  canvas.width = w * dpr;
  canvas.height = h * dpr;
  canvas.style.width = `${w}px`;
  canvas.style.height = `${h}px`;
  const lo = sorted[0]!;
  const hi = sorted[sorted.length - 1]!;
  const counts = new Array<number>(BINS).fill(0);
  for (const v of sorted) counts[hi === lo ? 0 : Math.min(BINS - 1, Math.floor(((v - lo) / (hi - lo)) * BINS))]! += 1;
  const max = Math.max(...counts);
  const ctx = canvas.getContext('2d');
  if (ctx) {
    ctx.scale(dpr, dpr);
    ctx.fillStyle = '#5b7fb6';
    const bw = w / BINS;
    counts.forEach((c, i) => {
      const bh = c === 0 ? 0 : Math.max(1, (c / max) * (h - 2));
      ctx.fillRect(i * bw + 0.5, h - bh, bw - 1, bh);
    });
  }
  td.append(canvas);
  return td;
}
