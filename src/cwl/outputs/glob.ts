/**
 * POSIX glob(3) matching for `outputBinding.glob` (CommandOutputBinding.glob): `*`, `?` and `[...]`
 * classes (`[!...]` negates) per path segment; `*` and `?` do not match a leading `.` unless the
 * segment pattern starts with one; only existing paths are returned, sorted. Relative patterns are
 * resolved against the output directory; every match must lie inside it.
 * A match reached through a symlinked folder (say `outdir/in` → an input folder) is reported at its
 * real place, keeping its own basename: it is not a file of the output directory, so whoever moves
 * outputs later must copy it, never move the input away.
 */
import { readdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';

/** Whether a path segment pattern has glob metacharacters. */
function hasMagic(segment: string): boolean {
  return /[*?[]/.test(segment);
}

/** fnmatch-style translation of one segment pattern to a RegExp. */
export function segmentRegExp(segment: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i] as string;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = segment.indexOf(']', i + 2);
      if (close < 0) {
        re += '\\[';
        continue;
      }
      let body = segment.slice(i + 1, close);
      const negate = body.startsWith('!');
      if (negate) body = body.slice(1);
      re += `[${negate ? '^' : ''}${body.replace(/\\/g, '\\\\').replace(/^\^/, '\\^')}]`;
      i = close;
    } else re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'su');
}

/** Is `p` the directory `root` or inside it (lexically)? */
export function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * The absolute paths matching `pattern` in `outdir`, sorted. Returns null when the pattern points
 * outside `outdir` (the caller reports it). The file system calls are synchronous: each is one
 * small system call, cheaper than a thread-pool round trip, and a job globs once or twice.
 */
export async function globOutdir(outdir: string, pattern: string): Promise<string[] | null> {
  const abs = path.resolve(outdir, pattern);
  if (!isInside(outdir, abs)) return null;
  const rel = path.relative(outdir, abs);
  if (rel === '') return [outdir];
  let current = [outdir];
  for (const segment of rel.split(path.sep)) {
    if (!hasMagic(segment)) {
      current = current.map((d) => path.join(d, segment));
      continue;
    }
    const re = segmentRegExp(segment);
    const hiddenOk = segment.startsWith('.');
    const next: string[] = [];
    for (const dir of current) {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        continue;
      }
      for (const name of names) if ((hiddenOk || !name.startsWith('.')) && re.test(name)) next.push(path.join(dir, name));
    }
    current = next;
  }
  const existing = current.filter(existsNow);
  existing.sort();
  let realOutdir: string | undefined;
  const out: string[] = [];
  for (const p of existing) {
    const parent = path.dirname(p);
    // A direct child of outdir (the usual match) is reported as it is whatever the real paths are.
    if (p === outdir || parent === outdir) {
      out.push(p);
      continue;
    }
    realOutdir ??= realpathSync.native(outdir);
    const realParent = realpathSync.native(parent);
    out.push(realParent === parent || isInside(realOutdir, realParent) ? p : path.join(realParent, path.basename(p)));
  }
  return out;
}

function existsNow(p: string): boolean {
  try {
    return statSync(p, { throwIfNoEntry: false }) !== undefined;
  } catch {
    return false;
  }
}
