// Loaded into a benchmark server with `node --import ./bench/profile-hook.mjs` (bench/profile.ts does it): a CPU profile
// of one measured stretch only, without start-up or preload. SIGUSR2 starts V8's sampling profiler; SIGUSR1 stops it and
// writes the profile to $PROFILE_DIR/profile-<pid>.cpuprofile (written under another name, then renamed). Benchmarks
// only; never in the product. SIGUSR1 is also Node's signal to open the inspector: this listener replaces that.
import { Session } from 'node:inspector';
import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tmpdir } from 'node:os';

const session = new Session();
session.connect();
const post = (method, params = {}) => new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
await post('Profiler.enable');
// 500 µs between samples (--cpu-prof samples every 1000 µs; at 100 µs the sampling itself added ~40 % to a request)
await post('Profiler.setSamplingInterval', { interval: 500 });

process.on('SIGUSR2', () => {
  post('Profiler.start').catch((error) => process.stderr.write(`profile-hook: ${error}\n`));
});
process.on('SIGUSR1', () => {
  post('Profiler.stop').then(({ profile }) => {
    const file = path.join(process.env.PROFILE_DIR ?? tmpdir(), `profile-${process.pid}.cpuprofile`);
    writeFileSync(`${file}.partial`, JSON.stringify(profile));
    renameSync(`${file}.partial`, file);
  }).catch((error) => process.stderr.write(`profile-hook: ${error}\n`));
});
