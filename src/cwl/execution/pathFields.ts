/**
 * The derived fields of a File/Directory object once its `path` is known (CWL v1.2 §File:
 * basename, dirname, nameroot, nameext; `location` as a file:// IRI).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CwlDirectory, CwlFile } from '../model.js';
import { nameParts } from '../outputs/fileObjects.js';

/** Point a File/Directory at `p` (absolute), keeping its other fields. Mutates and returns `obj`. */
export function setPath<T extends CwlFile | CwlDirectory>(obj: T, p: string): T {
  obj.path = p;
  obj.location = pathToFileURL(p).href;
  obj.basename = path.basename(p);
  if (obj.class === 'File') {
    const file = obj as CwlFile;
    file.dirname = path.dirname(p);
    // nameroot + nameext == basename; the same split output collection uses.
    const { nameroot, nameext } = nameParts(file.basename ?? '');
    file.nameroot = nameroot;
    file.nameext = nameext;
  }
  return obj;
}
