/**
 * How records reach one native spawner and its replies come back: over its stdin/stdout pipes
 * (nativeBackend.ts) or over the launch socket (launchSpawner.ts).
 */
export interface SpawnerChannel {
  readonly viaLaunch: boolean;
  write(record: Buffer): void;
  onData(cb: (chunk: string) => void): void;
  /** Called (perhaps more than once) when the spawner or the connection is gone. */
  onGone(cb: (why: string) => void): void;
  /** A spawner with no process in it must not keep this process alive; a busy one must. */
  setRef(on: boolean): void;
  kill(): void;
}
