/** A program's tool with a DockerRequirement (loadTool) runs in its container; `container` turns it off. */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DataFlowKernel, loadTool, type CwlFile } from '../../src/index.js';
import { IMAGE, containerTestOptions } from './podmanGate.js';

const WHERE = `cwlVersion: v1.2
class: CommandLineTool
requirements:
  DockerRequirement: {dockerPull: ${IMAGE}}
baseCommand: [sh, -c, 'test -e /run/.containerenv && echo in || echo host']
inputs: []
stdout: where.txt
outputs:
  where: stdout
`;

describe('loadTool with a DockerRequirement', containerTestOptions, () => {
  let dfk: DataFlowKernel | undefined;
  after(async () => dfk?.shutdown());

  test('runs in its container by default, on the host with container mode off (hint)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pcwl-ctr-app-'));
    await writeFile(path.join(dir, 'where.cwl'), WHERE);
    await writeFile(path.join(dir, 'hinted.cwl'), WHERE.replace('requirements:', 'hints:'));
    dfk = await DataFlowKernel.load({ runDir: path.join(dir, 'runinfo') });
    const inContainer = await loadTool<Record<string, never>, { where: CwlFile }>(path.join(dir, 'where.cwl'), { dfk });
    assert.equal((await readFile((await inContainer({})).where.path as string, 'utf8')).trim(), 'in');
    const onHost = await loadTool<Record<string, never>, { where: CwlFile }>(path.join(dir, 'hinted.cwl'), { dfk, container: { mode: 'off' } });
    assert.equal((await readFile((await onHost({})).where.path as string, 'utf8')).trim(), 'host');
  });
});
