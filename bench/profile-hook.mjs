// Loaded into a benchmark server with `node --import ./bench/profile-hook.mjs` (bench/profile.ts does it): a CPU profile
// of one measured stretch only, without start-up or preload. Over the IPC channel of a server started with one, the
// message 'start' starts V8's sampling profiler and is answered 'started'; 'stop' stops it, writes the profile to
// $PROFILE_DIR/profile-<pid>.cpuprofile (under another name, then renamed) and is answered { written: file } — or
// { error } if either failed. Benchmarks only; never in the product.
import { Session } from 'node:inspector';
import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tmpdir } from 'node:os';

if (!process.send) throw new Error('profile-hook: start the server with an IPC channel (bench/profile.ts does)');
const session = new Session();
session.connect();
const post = (method, params = {}) => new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
await post('Profiler.enable');
// 500 µs between samples (--cpu-prof samples every 1000 µs; at 100 µs the sampling itself added ~40 % to a request)
await post('Profiler.setSamplingInterval', { interval: 500 });

process.on('message', (message) => {
  if (message === 'start') {
    post('Profiler.start').then(() => process.send('started'), (error) => process.send({ error: String(error) }));
  } else if (message === 'stop') {
    post('Profiler.stop').then(({ profile }) => {
      const file = path.join(process.env.PROFILE_DIR ?? tmpdir(), `profile-${process.pid}.cpuprofile`);
      writeFileSync(`${file}.partial`, JSON.stringify(profile));
      renameSync(`${file}.partial`, file);
      process.send({ written: file });
    }).catch((error) => process.send({ error: String(error) }));
  }
});
// the channel must not keep a server alive that would otherwise exit
process.channel?.unref();
