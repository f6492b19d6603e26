/**
 * The fallback backend, for machines where the native spawner was not built (no C compiler) or
 * cannot run: `child_process.spawn`, one fork of this process per start. Same contract as the
 * native one: the same failure steps (the directory and the streams are checked and opened here),
 * streams straight to files (piped stdio would cost a read loop here per process).
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Backend, StartEvents, StartRequest } from './backend.js';
import type { StartStep } from './errors.js';

export class SpawnBackend implements Backend {
  readonly name = 'node';
  readonly queues = false;

  start(req: StartRequest, events: StartEvents): void {
    const fds: number[] = [];
    const open = (file: string, flags: string): number => {
      const fd = openSync(path.resolve(req.cwd, file), flags);
      fds.push(fd);
      return fd;
    };
    let step: StartStep = 'cwd';
    try {
      if (!statSync(req.cwd).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
      step = 'stdin';
      const stdin = open(req.stdin ?? '/dev/null', 'r');
      step = 'stdout';
      const stdout = open(req.stdout, 'w');
      step = 'stderr';
      const stderr = req.stderr === req.stdout ? stdout : open(req.stderr, 'w');
      step = 'program';
      const [file, ...args] = req.argv as [string, ...string[]];
      const child = spawn(file, args, { cwd: req.cwd, env: req.env, stdio: [stdin, stdout, stderr], detached: true });
      // A failed spawn may report both 'error' and 'exit': the first one counts.
      let done = false;
      child.once('error', (err: NodeJS.ErrnoException) => {
        if (!done) events.failed('program', err.code ?? 'EIO');
        done = true;
      });
      child.once('exit', (code, sig) => {
        if (!done) events.ended(code, sig);
        done = true;
      });
      if (child.pid !== undefined) events.started(child.pid);
    } catch (err) {
      events.failed(step, (err as NodeJS.ErrnoException).code ?? 'EIO');
    } finally {
      // The child holds its own copies of the descriptors.
      for (const fd of fds) closeSync(fd);
    }
  }

  warm(): void {}

  killNow(): void {}
}
