/**
 * CPU profile of the interchange for `npm run bench:scale -- --profile DIR`. The executor starts the
 * interchange itself (`parsl-cwl interchange`) and Node refuses `--cpu-prof` in NODE_OPTIONS, so the
 * harness preloads this module into it instead (NODE_OPTIONS=--import, which every child of the
 * bench inherits; only the interchange acts on it). It records with the inspector's profiler and
 * writes `DIR/interchange-<pid>.cpuprofile` (Chrome DevTools' format) when the process exits.
 */
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.PCWL_SCALE_PROFILE_DIR;
if (dir && process.argv[2] === 'interchange') {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  session.post('Profiler.start');
  process.on('exit', () => {
    // In-process inspector sessions answer synchronously, so this runs before the process ends.
    session.post('Profiler.stop', (err, result) => {
      if (!err) writeFileSync(join(dir, `interchange-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
