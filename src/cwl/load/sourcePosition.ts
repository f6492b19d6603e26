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

interface Frame {
  kind: 'map' | 'seq';
  /** Path of this container from the root (keys and sequence indexes). */
  path: string[];
  /** Map: the pending key (undefined when the next scalar is a key). Seq: next index. */
  key?: string;
  index: number;
}

/** True when `wanted` occurs in `path` in order (not necessarily adjacent) and ends at its end. */
function endsWithSubsequence(path: string[], wanted: string[]): boolean {
  if (wanted.length === 0) return false;
  if (path[path.length - 1] !== wanted[wanted.length - 1]) return false;
  let j = 0;
  for (const p of path) if (j < wanted.length - 1 && p === wanted[j]) j++;
  return j === wanted.length - 1;
}

/**
 * Position of the key that best matches `fieldPath`: the first mapping key whose path from the root
 * ends with the last element and contains the others in order (the path may skip map keys of
 * idmap'ed fields, e.g. `inputs.inputBinding` for `inputs: {message: {inputBinding: ...}}`).
 * Falls back to shorter suffixes of the path; undefined when nothing matches or the text does not parse.
 */
export function locateField(text: string, fieldPath: string[]): SourcePosition | undefined {
  let events: Event[];
  try {
    events = parseEvents(text, {});
  } catch {
    return undefined;
  }
  const keys: Array<{ path: string[]; offset: number }> = [];
  const stack: Frame[] = [];
  const childPath = (): string[] => {
    const top = stack[stack.length - 1];
    if (!top) return [];
    return [...top.path, top.kind === 'map' ? (top.key ?? '') : String(top.index)];
  };
  const afterValue = (): void => {
    const top = stack[stack.length - 1];
    if (!top) return;
    if (top.kind === 'map') top.key = undefined;
    else top.index++;
  };
  for (const ev of events) {
    const top = stack[stack.length - 1];
    if (ev.type === EVENT_ID.SCALAR) {
      if (top?.kind === 'map' && top.key === undefined) {
        const key = getScalarValue(text, ev as ScalarEvent);
        top.key = key;
        keys.push({ path: [...top.path, key], offset: (ev as ScalarEvent).valueStart });
      } else afterValue();
    } else if (ev.type === EVENT_ID.MAPPING || ev.type === EVENT_ID.SEQUENCE) {
      stack.push({ kind: ev.type === EVENT_ID.MAPPING ? 'map' : 'seq', path: childPath(), index: 0 });
    } else if (ev.type === EVENT_ID.POP) {
      if (stack.length > 0) {
        stack.pop();
        afterValue();
      }
    } else if (ev.type === EVENT_ID.ALIAS) afterValue();
  }
  for (let start = 0; start < fieldPath.length; start++) {
    const wanted = fieldPath.slice(start);
    const hit = keys.find((k) => endsWithSubsequence(k.path, wanted));
    if (hit) return positionOf(text, hit.offset);
  }
  return undefined;
}
