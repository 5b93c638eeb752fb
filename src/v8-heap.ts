import v8 from 'node:v8';

/**
 * V8's allocation-site pretenuring, for a gateway process (issue 18; bench/RESULTS.md 4p).
 *
 * V8 counts, for each object literal in the code, how many of the objects it made survived a scavenge of the young
 * generation; past 85 % it decides that the literal's objects are long-lived and from then on allocates them straight
 * in the old generation (it takes that back only after a full GC in which little of the old generation survives, which
 * did not happen in any of our heavy processes). A gateway's objects live as long as their request. Under
 * saturation a request lives long enough (tens of ms) for literals to cross that line: on the quick set the record
 * row of `mapRecordRow` was one (named twice by printing a tenured allocation site from gdb). After 20 s of S1 at 32
 * connections V8 had tenured some site in 4 of 8 gateway processes and 3 of 8 were heavy (`bench:young-gen RUNS=8`):
 * every record row was born old, and whatever young object it held — its strings and dates — was copied by each
 * scavenge and promoted: 0.8–1.4 MB per scavenge against 1–14 KB, pauses of 3.2–3.8 ms against 0.8–0.95, at one
 * request in flight, to the end of the run.
 *
 * So a gateway turns it off (`V8_PRETENURING=off`, the default): every object starts young and is promoted only if it
 * outlives two scavenges. `on` keeps V8's default. V8 reads this flag each time it would digest what it counted, so
 * from this call on no site is tenured (test/unit/v8-heap.test.ts watches V8's own trace to prove it); it is made at
 * start, before traffic (main.ts, and createGateway for embedders, where a missing setting means `off` too).
 */
export type Pretenuring = 'on' | 'off';

let current: Pretenuring | null = null;

export function configurePretenuring(mode: Pretenuring): void {
  if (current === mode) return;
  v8.setFlagsFromString(mode === 'off' ? '--no-allocation-site-pretenuring' : '--allocation-site-pretenuring');
  current = mode;
}

/** what configurePretenuring last set in this process (null: not called, V8's default) */
export function pretenuring(): Pretenuring | null {
  return current;
}
