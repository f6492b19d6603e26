/**
 * Launch mode, the client side: bin/parsl-cwl starts `pcwl-spawner --launch node ...`, which
 * listens on a random abstract Unix socket before it execs Node, so a single tool run never forks
 * the Node process to start its command (docs/tool-start.md, "Launch mode"). The spawner accepts
 * one connection, from its parent (this process) only, and serves the same protocol as over a pipe.
 * The CLI hands the socket's name over with `configureProcesses({ launchSpawnerSocket })`.
 */
import { connect } from 'node:net';
import type { SpawnerChannel } from './spawnerChannel.js';

/** A channel to the launch spawner; `gone` is told whether anything was heard before the end. */
export function launchChannel(socketName: string): SpawnerChannel {
  // Abstract namespace ('\0' + name): nothing on disk to create, clean up or race for.
  const conn = connect({ path: `\0${socketName}` });
  conn.setEncoding('utf8');
  return {
    viaLaunch: true,
    write: (record) => void conn.write(record),
    onData: (cb) => void conn.on('data', cb),
    onGone: (cb) => {
      conn.on('error', (err) => cb(`the launch spawner could not be reached (${err.message})`));
      conn.once('close', () => cb('the launch spawner closed its connection'));
    },
    setRef: (on) => void (on ? conn.ref() : conn.unref()),
    // The spawner ends when its connection closes, killing the groups of commands still running.
    kill: () => void conn.destroy(),
  };
}
