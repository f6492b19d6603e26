/**
 * Tools in a real container through executeJob, with podman and with Docker (each skipped when the
 * engine is absent, mandatory with PARSL_CWL_CONTAINERS=1 / PARSL_CWL_DOCKER=1): binds, uid,
 * environment, network, the output directory, and that a time limit or a cancel leaves no
 * container behind.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { execFileSync } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { executeJob } from '../../src/cwl/execution/index.js';
import type { CwlDirectory, CwlFile } from '../../src/cwl/model.js';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ErrorCode, ParslCwlError } from '../../src/util/errors.js';
import type { JobSpec } from '../../src/cwl/jobSpec.js';
import type { CommandLineTool } from '../../src/cwl/model.js';
import { engineGate, type OciEngine } from './engineGate.js';
import { DOCKER, inputFile, job as podmanJob, tool } from './podmanGate.js';

const OURS = `parsl-cwl-${process.pid}-`;

function hasCode(code: string) {
  return (err: unknown) => err instanceof ParslCwlError && err.code === code;
}

function stdoutTool(script: string, fields: Record<string, unknown> = {}) {
  return tool({
    requirements: [DOCKER, { class: 'ShellCommandRequirement' }, ...((fields.requirements as []) ?? [])],
    arguments: [{ valueFrom: script, shellQuote: false }],
    stdout: 'out.txt',
    outputs: [{ id: 'out', type: 'File', outputBinding: { glob: 'out.txt' } }, ...((fields.outputs as []) ?? [])],
    inputs: (fields.inputs as []) ?? [],
  } as never);
}

async function outText(result: { outputs: Record<string, unknown> }): Promise<string> {
  return readFile((result.outputs.out as CwlFile).path as string, 'utf8');
}

for (const engine of ['podman', 'docker'] as OciEngine[]) {
const gate = engineGate(engine);
let exe = engine as string;
/** Our containers (by name), in any state. */
const containersNamed = (prefix: string): string[] =>
  execFileSync(exe, ['ps', '--all', '--filter', 'label=parsl-cwl', '--format', '{{.Names}}'], { encoding: 'utf8', timeout: 30_000 })
    .split('\n')
    .map((l) => l.trim())
    .filter((n) => n.startsWith(prefix));
/** A job for this engine. */
const job = (t: CommandLineTool, inputs: Record<string, unknown> = {}): Promise<JobSpec> => podmanJob(t, inputs, { container: { mode: engine, exe } });

describe(`tools in ${engine} containers (executeJob)`, gate.options, () => {
  before(() => {
    exe = gate.exe();
  });
  after(() => assert.deepEqual(containersNamed(OURS), [], 'containers of ours left behind'));

  test('inputs are bound read-only; a writable InitialWorkDir entry is a copy the tool may change; outputs belong to the runner uid', async () => {
    const input = await inputFile('in.txt', 'original\n');
    const copied = await inputFile('w.txt', 'to copy\n');
    const t = stdoutTool(
      'cat $(inputs.f.path); (echo changed > $(inputs.f.path)) 2>/dev/null && echo WROTE-INPUT || echo input-read-only; echo changed > w.txt && cat w.txt',
      {
        inputs: [{ id: 'f', type: 'File' }, { id: 'g', type: 'File' }],
        requirements: [{ class: 'InitialWorkDirRequirement', listing: [{ entry: '$(inputs.g)', entryname: 'w.txt', writable: true }] }],
      },
    );
    const result = await executeJob(await job(t, { f: input, g: copied }));
    assert.equal(await outText(result), 'original\ninput-read-only\nchanged\n');
    assert.equal(await readFile(input.path as string, 'utf8'), 'original\n');
    assert.equal(await readFile(copied.path as string, 'utf8'), 'to copy\n');
    const st = await stat((result.outputs.out as CwlFile).path as string);
    assert.equal(st.uid, process.getuid?.());
    assert.equal(st.gid, process.getgid?.());
  });

  test('InplaceUpdateRequirement: a writable entry is the input itself, bound read-write, and the tool changes it in place', async () => {
    const input = await inputFile('count.txt', '1\n');
    const t = stdoutTool('echo 2 > count.txt; cat count.txt', {
      inputs: [{ id: 'f', type: 'File' }],
      requirements: [
        { class: 'InitialWorkDirRequirement', listing: [{ entry: '$(inputs.f)', writable: true }] },
        { class: 'InplaceUpdateRequirement', inplaceUpdate: true },
      ],
    });
    assert.equal(await outText(await executeJob(await job(t, { f: input }))), '2\n');
    assert.equal(await readFile(input.path as string, 'utf8'), '2\n');
  });

  test('HOME and TMPDIR are the output and temporary folders (writable), EnvVarRequirement is passed, the host PATH is not, the working directory is HOME', async () => {
    const t = stdoutTool('echo "HOME=$HOME"; echo "TMPDIR=$TMPDIR"; echo "FOO=$FOO"; echo "PWD=`pwd`"; echo "PATH=$PATH"; touch "$HOME/h" "$TMPDIR/t" && echo writable', {
      requirements: [{ class: 'EnvVarRequirement', envDef: [{ envName: 'FOO', envValue: 'bar baz' }] }],
    });
    const spec = await job(t);
    const result = await executeJob(spec, undefined);
    const lines = (await outText(result)).trim().split('\n');
    const get = (k: string) => lines.find((l) => l.startsWith(`${k}=`))?.slice(k.length + 1);
    assert.equal(get('HOME'), result.outdir);
    assert.equal(get('PWD'), result.outdir);
    assert.match(get('TMPDIR') ?? '', /tmp/);
    assert.equal(get('FOO'), 'bar baz');
    assert.notEqual(get('PATH'), process.env.PATH);
    assert.equal(lines.at(-1), 'writable');
  });

  test('no network unless NetworkAccess: a local HTTP server on the host is unreachable, then reachable with networkAccess: true', async () => {
    const server: Server = createServer((_req, res) => res.end('hello from the host'));
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      // The host as a container on the engine's default network sees it: podman's name for it, or
      // Docker's bridge gateway.
      const host = engine === 'podman' ? 'host.containers.internal' : execFileSync(exe, ['network', 'inspect', 'bridge', '--format', '{{(index .IPAM.Config 0).Gateway}}'], { encoding: 'utf8' }).trim();
      const script = `python3 -c "import urllib.request; print(urllib.request.urlopen('http://${host}:${port}/', timeout=20).read().decode())" 2>&1 || echo unreachable`;
      const off = await executeJob(await job(stdoutTool(script)));
      assert.match(await outText(off), /unreachable/);
      assert.doesNotMatch(await outText(off), /hello from the host/);
      const on = await executeJob(await job(stdoutTool(script, { requirements: [{ class: 'NetworkAccess', networkAccess: true }] })));
      assert.equal((await outText(on)).trim(), 'hello from the host');
    } finally {
      server.close();
    }
  });

  test('dockerOutputDirectory: the output folder is there inside the container and runtime.outdir names it; outputs come back as host paths', async () => {
    const t = tool({
      requirements: [{ ...DOCKER, dockerOutputDirectory: '/other' }],
      baseCommand: ['sh', '-c', 'echo "`pwd` $HOME $1" > /other/thing', 'sh'],
      arguments: ['$(runtime.outdir)'],
      outputs: [{ id: 'thing', type: 'File', outputBinding: { glob: 'thing' } }],
    } as never);
    const result = await executeJob(await job(t));
    const thing = result.outputs.thing as CwlFile;
    assert.ok((thing.path as string).startsWith(result.outdir));
    assert.equal(await readFile(thing.path as string, 'utf8'), '/other /other /other\n');
  });

  test('dockerOutputDirectory: cwl.output.json naming container paths (path, file:// location, Directory, secondaryFiles) comes back as host paths', async () => {
    const script = [
      'mkdir -p /other/sub && echo one > /other/sub/a.txt && echo idx > /other/sub/a.txt.idx && echo two > /other/b.txt',
      'printf \'%s\' \'{"a": {"class": "File", "path": "/other/sub/a.txt", "secondaryFiles": [{"class": "File", "path": "/other/sub/a.txt.idx"}]}, "b": {"class": "File", "location": "file:///other/b.txt"}, "d": {"class": "Directory", "path": "/other/sub"}, "r": {"class": "File", "path": "b.txt"}}\' > /other/cwl.output.json',
    ].join(' && ');
    const t = tool({
      requirements: [{ ...DOCKER, dockerOutputDirectory: '/other' }],
      baseCommand: ['sh', '-c', script],
      outputs: [
        { id: 'a', type: 'File' },
        { id: 'b', type: 'File' },
        { id: 'd', type: 'Directory' },
        { id: 'r', type: 'File' },
      ],
    } as never);
    const result = await executeJob(await job(t));
    const a = result.outputs.a as CwlFile;
    const b = result.outputs.b as CwlFile;
    const d = result.outputs.d as CwlDirectory;
    const r = result.outputs.r as CwlFile;
    assert.equal(a.path, path.join(result.outdir, 'sub', 'a.txt'));
    assert.equal(await readFile(a.path as string, 'utf8'), 'one\n');
    assert.equal((a.secondaryFiles?.[0] as CwlFile | undefined)?.path, path.join(result.outdir, 'sub', 'a.txt.idx'));
    assert.equal(b.path, path.join(result.outdir, 'b.txt'));
    assert.equal(b.location, pathToFileURL(path.join(result.outdir, 'b.txt')).href);
    assert.equal(await readFile(b.path as string, 'utf8'), 'two\n');
    assert.equal(d.path, path.join(result.outdir, 'sub'));
    assert.deepEqual(d.listing?.map((e) => e.basename).sort(), ['a.txt', 'a.txt.idx']);
    assert.equal(r.path, path.join(result.outdir, 'b.txt'));
  });

  test('cwl.output.json naming a container path that is bound nowhere: the output is missing (PCWL_OUTPUT_MISSING naming that path)', async () => {
    const t = tool({
      requirements: [{ ...DOCKER, dockerOutputDirectory: '/other' }],
      baseCommand: ['sh', '-c', 'echo x > /tmp-unbound.txt; printf \'%s\' \'{"a": {"class": "File", "path": "/tmp-unbound.txt"}}\' > cwl.output.json'],
      outputs: [{ id: 'a', type: 'File' }],
    } as never);
    await assert.rejects(executeJob(await job(t)), (err: unknown) => hasCode(ErrorCode.OutputMissing)(err) && /\/tmp-unbound\.txt does not exist/.test((err as Error).message));
  });

  test('an absolute InitialWorkDir entryname is bound at that path in the container', async () => {
    const input = await inputFile('stuff.txt', 'one\ntwo\n');
    const t = stdoutTool('cat /pcwl-abs/input/stuff.txt', {
      inputs: [{ id: 'f', type: 'File' }],
      requirements: [{ class: 'InitialWorkDirRequirement', listing: [{ entry: '$(inputs.f)', entryname: '/pcwl-abs/input/stuff.txt' }] }],
    });
    assert.equal(await outText(await executeJob(await job(t, { f: input }))), 'one\ntwo\n');
  });

  test('stdin and a failing exit code pass through the container unchanged', async () => {
    const input = await inputFile('in.txt', 'through stdin\n');
    const t = tool({
      requirements: [DOCKER],
      inputs: [{ id: 'f', type: 'File' }],
      baseCommand: ['cat'],
      stdin: '$(inputs.f.path)',
      stdout: 'out.txt',
      outputs: [{ id: 'out', type: 'File', outputBinding: { glob: 'out.txt' } }],
    } as never);
    assert.equal(await outText(await executeJob(await job(t, { f: input }))), 'through stdin\n');
    const failing = tool({ requirements: [DOCKER], baseCommand: ['sh', '-c', 'echo oops >&2; exit 3'] });
    await assert.rejects(executeJob(await job(failing)), (e: unknown) => hasCode(ErrorCode.ToolFailed)(e) && /code 3/.test((e as Error).message) && /oops/.test((e as Error).message));
  });

  test('a time limit stops and removes the container', async () => {
    const t = tool({ requirements: [DOCKER, { class: 'ToolTimeLimit', timelimit: 2 }], baseCommand: ['sleep', '60'] });
    const started = Date.now();
    await assert.rejects(executeJob(await job(t)), hasCode(ErrorCode.ToolTimeout));
    assert.ok(Date.now() - started < 30_000, `took ${Date.now() - started} ms`);
    assert.deepEqual(containersNamed(OURS), []);
  });

  test('a cancel (AbortSignal) stops and removes the running container', async () => {
    const t = tool({ requirements: [DOCKER], baseCommand: ['sleep', '60'] });
    const abort = new AbortController();
    const run = executeJob(await job(t), abort.signal);
    // Cancel once the container is running (podman lists it), not after a fixed sleep.
    const deadline = Date.now() + 60_000;
    while (containersNamed(OURS).length === 0) {
      if (Date.now() > deadline) throw new Error('the container never started');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    abort.abort(new Error('cancelled by the test'));
    await assert.rejects(run, /cancelled by the test/);
    assert.deepEqual(containersNamed(OURS), []);
  });
});
}

describe('no container engine (executeJob)', () => {
  test('a required DockerRequirement with no engine is unsupported; a hint with no engine runs on the host', async () => {
    // An engine named by a program that is not there: the same path as an empty PATH, without
    // changing this process's PATH for the tests running beside it.
    const none = { container: { mode: 'podman' as const, exe: '/nonexistent/podman' } };
    {
      const required = tool({ requirements: [DOCKER], baseCommand: ['true'] });
      await assert.rejects(executeJob(await podmanJob(required, {}, none)), (e: unknown) => hasCode(ErrorCode.UnsupportedRequirement)(e) && /no container engine found/.test((e as Error).message));
      const hinted = tool({ hints: [DOCKER], baseCommand: ['sh', '-c', 'test -e /run/.containerenv && echo in || echo host'], stdout: 'out.txt', outputs: [{ id: 'out', type: 'File', outputBinding: { glob: 'out.txt' } }] } as never);
      const logs: string[] = [];
      const r = await executeJob(await podmanJob(hinted, {}, none), undefined, { log: (l) => logs.push(l) });
      assert.equal((await outText(r)).trim(), 'host');
      assert.ok(logs.some((l) => /no container engine found on PATH \(looked for \/nonexistent\/podman\)/.test(l)), logs.join('\n'));
    }
  });
});
