/**
 * The workflow graph: one node per step (scatter width in its label), coloured by the step's state.
 * Layout by dagre (layered, the usual drawing of a workflow); drawn as SVG, which stays small
 * because a scatter is one node however wide it is.
 */
import dagre, { type Point } from '@dagrejs/dagre';
import { stateColour, type RunRecord, type TaskGroup } from './data.js';

const SVG = 'http://www.w3.org/2000/svg';
/** Kernel programs without steps: one node per app name, at most this many (the table has the rest). */
const MAX_NODES = 300;

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

export function renderGraph(root: HTMLElement, record: RunRecord, groups: TaskGroup[], onSelect: (name: string) => void): void {
  const shown = groups.slice(0, MAX_NODES);
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'TB', nodesep: 24, ranksep: 36, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  const names = new Set(shown.map((s) => s.name));
  for (const s of shown) {
    const label = s.nested.length > 0 ? `${s.name} ▸ ${s.nested.length} step${s.nested.length === 1 ? '' : 's'}` : s.scatterWidth > 1 ? `${s.name} ×${s.scatterWidth}` : s.name;
    g.setNode(s.name, { label, width: Math.max(80, label.length * 7.2 + 24), height: 30 });
  }
  for (const e of record.edges) if (names.has(e.from) && names.has(e.to)) g.setEdge(e.from, e.to);
  dagre.layout(g);
  const { width = 0, height = 0 } = g.graph();
  const root_ = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, class: 'graph', 'data-testid': 'graph' });
  const defs = svg('defs', {});
  const marker = svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto' });
  marker.append(svg('path', { d: 'M0,0L10,5L0,10z', fill: '#777' }));
  defs.append(marker);
  root_.append(defs);
  for (const e of g.edges()) {
    const pts: Point[] = g.edge(e).points ?? [];
    if (pts.length === 0) continue;
    const d = pts.map((p: Point, i: number) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join('');
    root_.append(svg('path', { d, class: 'edge', 'marker-end': 'url(#arrow)' }));
  }
  for (const s of shown) {
    const n = g.node(s.name);
    const node = svg('g', { class: 'node', 'data-step': s.name, 'data-state': s.state, transform: `translate(${n.x - n.width / 2},${n.y - n.height / 2})` });
    node.append(svg('rect', { width: n.width, height: n.height, rx: 5, fill: stateColour(s.state) }));
    const text = svg('text', { x: n.width / 2, y: n.height / 2 + 4, 'text-anchor': 'middle' });
    text.textContent = String(n.label ?? s.name);
    const title = svg('title', {});
    title.textContent = `${s.name}${s.nested.length ? ` (${s.nested.join(', ')})` : ''}: ${Object.entries(s.counts).map(([k, v]) => `${k} ${v}`).join(', ') || 'no task'}`;
    node.append(text, title);
    node.addEventListener('click', () => onSelect(s.name));
    root_.append(node);
  }
  root.append(root_);
  if (groups.length > shown.length) root.append(document.createTextNode(`${groups.length - shown.length} more task groups are in the table.`));
}
