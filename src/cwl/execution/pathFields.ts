/**
 * The derived fields of a File/Directory object once its `path` is known (CWL v1.2 §File:
 * basename, dirname, nameroot, nameext; `location` as a file:// IRI).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CwlDirectory, CwlFile } from '../model.js';

/** Point a File/Directory at `p` (absolute), keeping its other fields. Mutates and returns `obj`. */
export function setPath<T extends CwlFile | CwlDirectory>(obj: T, p: string): T {
  obj.path = p;
  obj.location = pathToFileURL(p).href;
  obj.basename = path.basename(p);
  if (obj.class === 'File') {
    const file = obj as CwlFile;
    file.dirname = path.dirname(p);
    // nameroot + nameext == basename; nameext is empty or starts with the last '.' (not a leading one).
    const ext = path.extname(file.basename ?? '');
    file.nameext = ext;
    file.nameroot = (file.basename ?? '').slice(0, (file.basename ?? '').length - ext.length);
  }
  return obj;
}
