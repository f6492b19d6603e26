/**
 * The native backend: one small long-lived C process (src/native/spawner.c, built to
 * dist/native/pcwl-spawner) starts every process of this one with posix_spawn, many at once. A
 * fork of this large Node process, or of a bash, per command costs page-table copies and faults
 * that posix_spawn (vfork semantics) does not (docs/tool-start.md has the figures).
 *
 * Protocol (declared here and in spawner.c): one record per process, its body's length in bytes as
 * 8 decimal digits, then NUL-terminated fields: id, kind ('x' exec argv, 'q' a queued bash script,
 * run in a subshell of the spawner's long-lived bash), cwd, stdin ('' = /dev/null), stdout, stderr ('' = the stdout file),
 * the number of environment entries, the NAME=VALUE entries, the argv words (or the script). Replies, one line each: `S <id> <pid>`, `F <id> <step> <errno name>`, `E <id> <code or
 * -signal> <user µs> <system µs> <maxrss KiB>`. Every byte but NUL passes exactly.
 *
 * The spawner is reached over its stdin/stdout pipes (started from here), or through the launch
 * spawner's socket (launchSpawner.ts) when bin/parsl-cwl started one before Node.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Backend, StartEvents, StartRequest } from './backend.js';
import type { StartStep } from './errors.js';
import { launchChannel } from './launchSpawner.js';
import type { SpawnerChannel } from './spawnerChannel.js';

/** dist/native/pcwl-spawner, next to dist/src (this module is dist/src/process/nativeBackend.js). */
export const SPAWNER_BIN = fileURLToPath(new URL('../../native/pcwl-spawner', import.meta.url));

function pipeChannel(bin: string): SpawnerChannel {
  // Own process group (a terminal's Ctrl-C reaches this process, which stops the processes); an
  // empty environment: each process gets its request's envp, nothing of the spawner's.
  const proc: ChildProcess = spawn(bin, [], { stdio: ['pipe', 'pipe', 'ignore'], env: {}, detached: true });
  proc.stdout?.setEncoding('utf8');
  proc.stdin?.on('error', () => undefined); // EPIPE after the spawner died: 'exit' tells
  const out = proc.stdout as (Readable & { ref?: () => void; unref?: () => void }) | null;
  return {
    viaLaunch: false,
    write: (record) => void proc.stdin?.write(record),
    onData: (cb) => void proc.stdout?.on('data', cb),
    onGone: (cb) => {
      proc.once('error', (err) => cb(`the native spawner could not run (${err.message})`));
      proc.once('exit', (code, sig) => cb(`the native spawner exited (${sig ?? `code ${String(code)}`})`));
    },
    setRef: (on) => {
      if (on) {
        proc.ref();
        out?.ref?.();
      } else {
        proc.unref();
        out?.unref?.();
      }
    },
    kill: () => {
      try {
        proc.kill('SIGKILL');
      } catch {
        // already gone
      }
    },
  };
}

/** One spawner (process or launch connection) and the processes in it. */
class Spawner {
  private readonly jobs = new Map<number, StartEvents>();
  private nextId = 1;
  gone = false;
  /** It has answered once: it answers every request at once (S or F), so silence means nothing ran. */
  private heard = false;
  private buffered = '';

  constructor(readonly channel: SpawnerChannel) {
    channel.onData((chunk) => {
      this.heard = true;
      this.buffered += chunk;
      let nl: number;
      while ((nl = this.buffered.indexOf('\n')) >= 0) {
        const line = this.buffered.slice(0, nl);
        this.buffered = this.buffered.slice(nl + 1);
        this.onLine(line);
      }
    });
    channel.onGone((why) => this.lose(why));
    channel.setRef(false);
  }

  start(req: StartRequest, events: StartEvents): void {
    let env = '';
    let n = 0;
    for (const k in req.env) {
      env += `${k}=${req.env[k]}\0`;
      n++;
    }
    const words = req.queuedScript !== undefined ? `q\0${req.queuedScript}` : `x\0${req.argv.join('\0')}`;
    const id = this.nextId;
    const text = `${id}\0${req.cwd}\0${req.stdin ?? ''}\0${req.stdout}\0${req.stderr === req.stdout ? '' : req.stderr}\0${n}\0${env}`;
    // NUL separates the fields: a field holding one cannot be passed (nor could exec take it).
    if (text.split('\0').length !== 7 + n || words.split('\0').length !== (req.queuedScript !== undefined ? 2 : 1 + req.argv.length)) {
      queueMicrotask(() => events.failed('program', 'EINVAL'));
      return;
    }
    this.nextId++;
    this.jobs.set(id, events);
    if (this.jobs.size === 1) this.channel.setRef(true);
    // The kind goes right after the id.
    const cut = text.indexOf('\0') + 1;
    const kind = words.slice(0, 2);
    const body = `${text.slice(0, cut)}${kind}${text.slice(cut)}${words.slice(2)}\0`;
    const size = Buffer.byteLength(body);
    // Records asked for in the same turn of the event loop (several jobs ending and their
    // successors starting at once) go in one write: one system call and one wake-up of the
    // spawner, which reads every whole record it has (spawner.c, take_requests).
    if (this.pending.length === 0) queueMicrotask(this.flush);
    this.pending.push(`${String(size).padStart(8, '0')}${body}`);
  }

  private pending: string[] = [];

  private readonly flush = (): void => {
    const records = this.pending;
    this.pending = [];
    if (!this.gone) this.channel.write(Buffer.from(records.length === 1 ? records[0]! : records.join('')));
  };

  private onLine(line: string): void {
    const [tag, idText, a, b, c, d, left] = line.split(' ');
    const id = Number(idText);
    const job = this.jobs.get(id);
    if (!job) return;
    if (tag === 'S') return job.started(Number(a));
    this.jobs.delete(id);
    if (this.jobs.size === 0) this.channel.setRef(false);
    if (tag === 'F') return job.failed((a ?? 'program') as StartStep, b ?? 'EIO');
    const code = Number(a);
    const rusage = { userMs: Number(b) / 1000, systemMs: Number(c) / 1000, maxRssKb: Number(d) };
    if (code >= 0) job.ended(code, null, rusage, left === '0');
    else job.ended(null, signalName(-code), rusage, left === '0');
  }

  private lose(why: string): void {
    if (this.gone) return;
    this.gone = true;
    const jobs = [...this.jobs.values()];
    this.jobs.clear();
    for (const job of jobs) job.lost(why, !this.heard);
  }
}

export class NativeBackend implements Backend {
  readonly name = 'native';
  /** Queued bash scripts run in order in the spawner's fork server (spawner.c, kind "q"). */
  readonly queues = true;
  private spawner: Spawner | undefined;

  constructor(
    private readonly bin: string,
    /** The launch spawner's socket name: the first spawner is reached through it. */
    private launchSocket: string | undefined,
  ) {}

  start(req: StartRequest, events: StartEvents): void {
    const spawner = this.current();
    spawner.start(req, {
      ...events,
      lost: (why, neverRan) => {
        // The launch spawner was not there after all (or refused this process: a `node` shim that
        // runs the real Node as its child is not its parent): a spawner started from here takes it.
        if (neverRan && spawner.channel.viaLaunch) return this.start(req, events);
        events.lost(why, neverRan);
      },
    });
  }

  warm(): void {
    this.current();
  }

  killNow(): void {
    this.spawner?.channel.kill();
  }

  private current(): Spawner {
    if (this.spawner && !this.spawner.gone) return this.spawner;
    // The launch spawner is connected to once; if it is lost, spawners started from here follow.
    const channel = this.launchSocket !== undefined ? launchChannel(this.launchSocket) : pipeChannel(this.bin);
    this.launchSocket = undefined;
    this.spawner = new Spawner(channel);
    return this.spawner;
  }
}

export function signalName(n: number): NodeJS.Signals | null {
  for (const [name, num] of Object.entries(osConstants.signals)) if (num === n) return name as NodeJS.Signals;
  return null;
}
