/**
 * Finding where a field is in YAML/JSON source, for error messages. Runs only on the error path:
 * it re-parses the text into js-yaml's event stream, which carries source offsets.
 */
import { EVENT_ID, getScalarValue, parseEvents, type Event, type ScalarEvent } from 'js-yaml';

export interface SourcePosition {
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
}

/** 1-based line and column of a character offset. */
export function positionOf(text: string, offset: number): SourcePosition {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/** A YAML node reduced to what locating needs. */
type PosNode =
  | { kind: 'scalar'; value: string; offset: number }
  | { kind: 'map'; offset: number; entries: Array<{ key: string; offset: number; value: PosNode }> }
  | { kind: 'seq'; offset: number; items: PosNode[] };

function buildTree(text: string, events: Event[]): PosNode | undefined {
  let i = 0;
  const next = (): PosNode | undefined => {
    const ev = events[i++];
    if (!ev) return undefined;
    switch (ev.type) {
      case EVENT_ID.SCALAR:
        return { kind: 'scalar', value: getScalarValue(text, ev as ScalarEvent), offset: (ev as ScalarEvent).valueStart };
      case EVENT_ID.ALIAS:
        return { kind: 'scalar', value: '', offset: 0 };
      case EVENT_ID.SEQUENCE: {
        const node: PosNode = { kind: 'seq', offset: ev.start, items: [] };
        while (events[i] && events[i]?.type !== EVENT_ID.POP) {
          const item = next();
          if (item) node.items.push(item);
        }
        i++;
        return node;
      }
      case EVENT_ID.MAPPING: {
        const node: PosNode = { kind: 'map', offset: ev.start, entries: [] };
        while (events[i] && events[i]?.type !== EVENT_ID.POP) {
          const key = next();
          const value = next();
          if (key && value) node.entries.push({ key: key.kind === 'scalar' ? key.value : '', offset: key.offset, value });
        }
        i++;
        return node;
      }
      case EVENT_ID.DOCUMENT: {
        const content = events[i]?.type === EVENT_ID.POP ? undefined : next();
        i++;
        return content;
      }
      default:
        return undefined;
    }
  };
  return next();
}

/** The name a list item is known by in CWL (`id`/`name`/`class`), as a path segment. */
function itemName(node: PosNode): string | undefined {
  if (node.kind !== 'map') return undefined;
  for (const k of ['id', 'name', 'class']) {
    const e = node.entries.find((x) => x.key === k);
    if (e?.value.kind === 'scalar') {
      const v = e.value.value;
      const frag = v.includes('#') ? v.slice(v.indexOf('#') + 1) : v;
      return frag.split('/').pop();
    }
  }
  return undefined;
}

/** Every mapping key with its path from the root; list items appear under both index and name. */
function collectKeys(node: PosNode, path: string[], out: Array<{ path: string[]; offset: number }>): void {
  if (node.kind === 'map') {
    for (const e of node.entries) {
      const p = [...path, e.key];
      out.push({ path: p, offset: e.offset });
      collectKeys(e.value, p, out);
    }
  } else if (node.kind === 'seq') {
    node.items.forEach((item, idx) => {
      const name = itemName(item);
      const p = name ? [...path, String(idx), name] : [...path, String(idx)];
      out.push({ path: p, offset: item.offset });
      collectKeys(item, p, out);
    });
  }
}

/** True when `wanted` occurs in `path` in order (not necessarily adjacent) and ends at its end. */
function endsWithSubsequence(path: string[], wanted: string[]): boolean {
  if (wanted.length === 0 || path[path.length - 1] !== wanted[wanted.length - 1]) return false;
  let j = 0;
  for (const p of path.slice(0, -1)) if (j < wanted.length - 1 && p === wanted[j]) j++;
  return j === wanted.length - 1;
}

/**
 * Position of the key that best matches `fieldPath`: the first key whose path from the root ends
 * with the path's last element and contains the others in order (so `inputs.inputBinding` finds
 * `inputs: {message: {inputBinding: ...}}`, and `inputs.message.type` finds the list form with
 * `id: message`). Falls back to the nearest enclosing field; undefined when nothing matches.
 */
export function locateField(text: string, fieldPath: string[]): SourcePosition | undefined {
  let tree: PosNode | undefined;
  try {
    tree = buildTree(text, parseEvents(text, {}));
  } catch {
    return undefined;
  }
  if (!tree) return undefined;
  const keys: Array<{ path: string[]; offset: number }> = [];
  collectKeys(tree, [], keys);
  for (let end = fieldPath.length; end > 0; end--) {
    const wanted = fieldPath.slice(0, end);
    const hit = keys.find((k) => endsWithSubsequence(k.path, wanted));
    if (hit) return positionOf(text, hit.offset);
  }
  return undefined;
}
