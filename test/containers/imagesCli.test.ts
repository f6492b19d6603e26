/**
 * Images through the run command, end to end with podman and with Docker: an image that does not
 * exist is one error line and exit code 1; a scattered step whose image comes from a dockerFile
 * builds it once, counted by an engine wrapper put first on PATH (the CLI finds its engine there);
 * with `--disable-pull` only an image already on the node runs.
 */
import assert from 'node:assert/strict';
import { readFile, symlink } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { fixture, runCli, tempDir } from '../cli/cliHarness.js';
import { BASE_IMAGE, NONCE, countingEngine, engineGate, removeImages, type OciEngine } from './engineGate.js';

const SCATTER = (dockerFile: string) => `cwlVersion: v1.2
class: Workflow
requirements:
  ScatterFeatureRequirement: {}
inputs:
  words: string[]
outputs:
  outs:
    type: File[]
    outputSource: say/out
steps:
  say:
    scatter: word
    in: {word: words}
    out: [out]
    run:
      class: CommandLineTool
      requirements:
        DockerRequirement:
          dockerFile: ${JSON.stringify(dockerFile)}
      baseCommand: [sh, -c, 'cat /built.txt; echo "$0"']
      inputs:
        word: {type: string, inputBinding: {position: 1}}
      stdout: out.txt
      outputs:
        out: stdout
`;

for (const name of ['podman', 'docker'] as OciEngine[]) {
  const gate = engineGate(name);
  const made: string[] = [];
  after(() => {
    if (made.length > 0 && gate.options.skip === false) removeImages(gate.exe(), ...made);
  });

  describe(`images through parsl-cwl --${name}`, gate.options, () => {
    test('an image that does not exist: exit code 1 and one line naming the image, the engine and its message', async () => {
      const image = `docker.io/library/pcwl-no-such-image:${NONCE}`;
      const dir = await fixture({
        't.cwl': `cwlVersion: v1.2\nclass: CommandLineTool\nrequirements:\n  DockerRequirement: {dockerPull: "${image}"}\nbaseCommand: echo\ninputs: []\noutputs: []\n`,
      });
      const run = await runCli([`--${name}`, '--outdir', await tempDir(), 't.cwl'], { cwd: dir });
      assert.equal(run.code, 1, run.stderr);
      assert.equal(run.stdout, '');
      const errors = run.stderr.split('\n').filter((l) => l.startsWith('parsl-cwl: error:'));
      assert.equal(errors.length, 1, run.stderr);
      assert.match(errors[0]!, new RegExp(`\\[PCWL_IMAGE_UNAVAILABLE\\] .*image '${image}' is not available to ${name}: ${name} pull failed: .+; check the name`));
      assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
    });

    test('an image named by the tool is run at once; absent, it is built and the run is made again', async () => {
      const engine = countingEngine(gate.exe());
      const bin = await tempDir('pcwl-ctr-path-');
      await symlink(engine.exe, path.join(bin, name));
      const id = `localhost/pcwl-test-rerun:${NONCE}`;
      made.push(id);
      const dockerFile = `FROM ${BASE_IMAGE}\nRUN echo rebuilt-${NONCE} > /built.txt\n`;
      const dir = await fixture({
        't.cwl': `cwlVersion: v1.2\nclass: CommandLineTool\nrequirements:\n  DockerRequirement:\n    dockerImageId: "${id}"\n    dockerFile: ${JSON.stringify(dockerFile)}\nbaseCommand: [cat, /built.txt]\ninputs: []\nstdout: out.txt\noutputs:\n  out: stdout\n`,
      });
      const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` };
      const first = await runCli(['--quiet', `--${name}`, '--outdir', await tempDir(), 't.cwl'], { cwd: dir, env });
      assert.equal(first.code, 0, first.stderr);
      assert.equal(await readFile((JSON.parse(first.stdout) as { out: { path: string } }).out.path, 'utf8'), `rebuilt-${NONCE}\n`);
      assert.deepEqual(engine.calls().map((c) => c.split(' ').slice(0, 2).join(' ')), ['run --rm', 'image inspect', 'build -t', 'run --rm']);
      // Now it is there: one run, no look-up at all.
      const second = await runCli(['--quiet', `--${name}`, '--outdir', await tempDir(), 't.cwl'], { cwd: dir, env });
      assert.equal(second.code, 0, second.stderr);
      assert.equal(engine.calls().length, 5, engine.calls().join('\n'));
    });

    test("a tool's own exit code 125 with an engine-like message is the tool's failure, not run again", async () => {
      const engine = countingEngine(gate.exe());
      const bin = await tempDir('pcwl-ctr-path-');
      await symlink(engine.exe, path.join(bin, name));
      const line = name === 'podman' ? 'Error: x: image not known' : 'docker: Error response from daemon: No such image: x';
      const dir = await fixture({
        't.cwl': `cwlVersion: v1.2\nclass: CommandLineTool\nrequirements:\n  DockerRequirement: {dockerPull: "${BASE_IMAGE}"}\nbaseCommand: [sh, -c, 'echo "${line}" >&2; exit 125']\ninputs: []\noutputs: []\n`,
      });
      const run = await runCli([`--${name}`, '--outdir', await tempDir(), 't.cwl'], { cwd: dir, env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` } });
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /\[PCWL_TOOL_FAILED\].*125/);
      assert.deepEqual(engine.calls().map((c) => c.split(' ').slice(0, 2).join(' ')), ['run --rm', 'image inspect']);
    });

    test('a scatter of 6 over a dockerFile image: one build, every instance runs in it', async () => {
      const engine = countingEngine(gate.exe());
      const bin = await tempDir('pcwl-ctr-path-');
      await symlink(engine.exe, path.join(bin, name));
      const dockerFile = `FROM ${BASE_IMAGE}\nRUN echo built-${NONCE} > /built.txt\n`;
      const words = Array.from({ length: 6 }, (_, i) => `w${i}`);
      const dir = await fixture({ 'wf.cwl': SCATTER(dockerFile), 'job.json': JSON.stringify({ words }) });
      const run = await runCli(['--quiet', `--${name}`, '--outdir', await tempDir(), 'wf.cwl', 'job.json'], { cwd: dir, env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` } });
      const builds = engine.calls().filter((c) => c.startsWith('build '));
      for (const c of builds) made.push(c.split(' ')[2]!);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(builds.length, 1, engine.calls().join('\n'));
      assert.equal(engine.calls().filter((c) => c.startsWith('image inspect')).length, 1, engine.calls().join('\n'));
      assert.equal(engine.calls().filter((c) => c.startsWith('run ')).length, 6);
      const outs = (JSON.parse(run.stdout) as { outs: Array<{ path: string }> }).outs;
      assert.deepEqual(await Promise.all(outs.map(async (o) => (await readFile(o.path, 'utf8')).trim())), words.map((w) => `built-${NONCE}\n${w}`));
    });

    test('--disable-pull: an image on the node runs; a missing one (dockerPull or dockerFile) fails with PCWL_IMAGE_UNAVAILABLE, nothing pulled or built', async () => {
      const engine = countingEngine(gate.exe());
      const bin = await tempDir('pcwl-ctr-path-');
      await symlink(engine.exe, path.join(bin, name));
      const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` };
      const missing = `docker.io/library/pcwl-no-such-image:${NONCE}`;
      const toolOf = (req: string) => `cwlVersion: v1.2\nclass: CommandLineTool\nrequirements:\n  DockerRequirement: ${req}\nbaseCommand: [echo, ran]\ninputs: []\nstdout: out.txt\noutputs:\n  out: stdout\n`;
      const dir = await fixture({
        'here.cwl': toolOf(`{dockerPull: "${BASE_IMAGE}"}`),
        'pull.cwl': toolOf(`{dockerPull: "${missing}"}`),
        'build.cwl': toolOf(JSON.stringify({ dockerFile: `FROM ${BASE_IMAGE}\nRUN echo never-${NONCE} > /x\n` })),
      });
      const here = await runCli(['--quiet', `--${name}`, '--disable-pull', '--outdir', await tempDir(), 'here.cwl'], { cwd: dir, env });
      assert.equal(here.code, 0, here.stderr);
      for (const doc of ['pull.cwl', 'build.cwl']) {
        const run = await runCli([`--${name}`, '--disable-pull', '--outdir', await tempDir(), doc], { cwd: dir, env });
        assert.equal(run.code, 1, run.stderr);
        const errors = run.stderr.split('\n').filter((l) => l.startsWith('parsl-cwl: error:'));
        assert.equal(errors.length, 1, run.stderr);
        assert.match(errors[0]!, new RegExp(`\\[PCWL_IMAGE_UNAVAILABLE\\] .*is not available to ${name}: not on this node, and pulling is off \\(--disable-pull\\)`));
      }
      const calls = engine.calls();
      assert.deepEqual(calls.filter((c) => /^(pull|build|load|import) /.test(c)), [], calls.join('\n'));
      // The last of --disable-pull / --enable-pull wins (as in cwltool): pulls are on again.
      const again = await runCli(['--quiet', `--${name}`, '--disable-pull', '--enable-pull', '--outdir', await tempDir(), 'pull.cwl'], { cwd: dir, env });
      assert.equal(again.code, 1, again.stderr);
      assert.match(again.stderr, new RegExp(`${name} pull failed`));
    });
  });
}
