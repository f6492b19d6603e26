import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tempDir } from './fixtures.js';

const repo = resolve(import.meta.dirname, '../../..');

test('the API example of the README compiles with strict tsc and runs', { timeout: 120_000 }, () => {
  const readme = readFileSync(join(repo, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Programs: the DataFlowKernel'));
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(block, 'the README section has a ts block');

  // A project where 'parsl-cwl' resolves to this repository, with the files the example names.
  const dir = tempDir('pcwl-readme-');
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(repo, join(dir, 'node_modules', 'parsl-cwl'));
  cpSync(join(repo, 'cwl-examples'), join(dir, 'cwl-examples'), { recursive: true });
  cpSync(join(repo, 'README.md'), join(dir, 'README.md'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: true, types: [] }, include: ['*.ts'] }),
  );
  writeFileSync(join(dir, 'example.ts'), block);
  const tsc = spawnSync(join(repo, 'node_modules', '.bin', 'tsc'), ['-p', dir], { encoding: 'utf8' });
  assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);

  const run = spawnSync(process.execPath, [join(dir, 'example.js')], { cwd: dir, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const printed = JSON.parse(run.stdout) as { lines: number; out: { joined: { path: string } }; command: string };
  assert.equal(printed.lines, readFileSync(join(dir, 'README.md'), 'utf8').split('\n').length - 1);
  assert.equal(Number(readFileSync(printed.out.joined.path, 'utf8').trim()), printed.lines);
  assert.equal(printed.command, 'wc -l < <stdin> > wc-out.txt');
  assert.equal(readFileSync(join(dir, 'hello.out'), 'utf8'), 'hello x\n');
  assert.ok(existsSync(join(dir, 'runinfo', '000', 'parsl.log')));
});
