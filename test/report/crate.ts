/**
 * Checks a Provenance Run Crate 0.5 (src/cli/run/provenance.ts) the way the tests need it: the
 * context, the `conformsTo` of the metadata descriptor and of the root, every data entity present
 * on disk with its size and sha1, no reference to an entity the crate does not describe, and the
 * profile's links (workflow → steps → tools, actions → instruments).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export type Entity = { '@id': string; '@type': string | string[]; [k: string]: unknown };
export interface Crate {
  graph: Map<string, Entity>;
  root: Entity;
  main: Entity;
  ofType(type: string): Entity[];
}

const types = (e: Entity): string[] => (Array.isArray(e['@type']) ? e['@type'] : [e['@type']]);
const ids = (v: unknown): string[] => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).map((x) => (x as { '@id': string })['@id']));

/** `kind`: a workflow run's crate (Provenance Run Crate) or a single tool run's (Process Run Crate). */
export function readCrate(dir: string, kind: 'workflow' | 'tool' = 'workflow'): Crate {
  const doc = JSON.parse(readFileSync(path.join(dir, 'ro-crate-metadata.json'), 'utf8')) as { '@context': unknown; '@graph': Entity[] };
  assert.deepEqual(doc['@context'], ['https://w3id.org/ro/crate/1.1/context', 'https://w3id.org/ro/terms/workflow-run/context']);
  const graph = new Map<string, Entity>();
  for (const e of doc['@graph']) {
    assert.ok(!graph.has(e['@id']), `${e['@id']} is described twice`);
    graph.set(e['@id'], e);
  }
  const descriptor = graph.get('ro-crate-metadata.json')!;
  assert.deepEqual(ids(descriptor.about), ['./']);
  assert.ok(ids(descriptor.conformsTo).includes('https://w3id.org/ro/crate/1.1'));
  const root = graph.get('./')!;
  assert.ok(types(root).includes('Dataset'));
  const profiles = ['https://w3id.org/ro/wfrun/process/0.5', 'https://w3id.org/ro/wfrun/workflow/0.5', 'https://w3id.org/ro/wfrun/provenance/0.5', 'https://w3id.org/workflowhub/workflow-ro-crate/1.0'];
  assert.deepEqual(ids(root.conformsTo).sort(), (kind === 'workflow' ? profiles : profiles.slice(0, 1)).sort());
  for (const profile of ids(root.conformsTo)) {
    assert.ok(ids(root.conformsTo).includes(profile), `root conformsTo ${profile}`);
    assert.equal(graph.get(profile)?.['@type'], 'CreativeWork');
  }
  // Every data entity is in the folder with the size and sha1 the crate says.
  for (const id of ids(root.hasPart)) {
    const e = graph.get(id);
    assert.ok(e, `hasPart ${id} is described`);
    const file = path.join(dir, decodeURIComponent(id));
    assert.ok(statSync(file), `${id} is in the crate`);
    if (types(e).includes('File') && e.sha1 !== undefined) {
      const bytes = readFileSync(file);
      assert.equal(e.sha1, createHash('sha1').update(bytes).digest('hex'), `sha1 of ${id}`);
      assert.equal(e.contentSize, String(bytes.length), `size of ${id}`);
    }
  }
  // No dangling reference: every {"@id"} inside the graph names an entity, except web IRIs.
  for (const e of graph.values()) {
    for (const [k, v] of Object.entries(e)) {
      if (k === '@id' || k === '@type') continue;
      for (const x of Array.isArray(v) ? v : [v]) {
        const id = (x as { '@id'?: string } | null)?.['@id'];
        if (id !== undefined && !/^https?:/.test(id)) assert.ok(graph.has(id), `${e['@id']}.${k} → ${id} is described`);
      }
    }
  }
  const main = graph.get(ids(root.mainEntity)[0]!)!;
  assert.ok(types(main).includes(kind === 'workflow' ? 'ComputationalWorkflow' : 'SoftwareApplication'));
  assert.ok(ids(root.hasPart).includes(main['@id']), 'the workflow is a data entity');
  // The engine: an OrganizeAction of parsl-cwl whose result is the workflow run.
  const engineRun = [...graph.values()].find((e) => types(e).includes('OrganizeAction'))!;
  assert.equal(graph.get(ids(engineRun.instrument)[0]!)?.name, 'parsl-cwl');
  const wfRun = graph.get(ids(engineRun.result)[0]!)!;
  assert.deepEqual(ids(wfRun.instrument), [main['@id']]);
  assert.ok(ids(root.mentions).includes(wfRun['@id']));
  // Each step: a HowToStep of the workflow whose workExample is a tool the workflow hasPart.
  for (const s of ids(main.step)) {
    const step = graph.get(s)!;
    assert.equal(step['@type'], 'HowToStep');
    assert.ok(ids(main.hasPart).includes(ids(step.workExample)[0]!));
  }
  return { graph, root, main, ofType: (t) => [...graph.values()].filter((e) => types(e).includes(t)) };
}

export { ids, types };
