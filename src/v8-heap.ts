import v8 from 'node:v8';

/**
 * V8's allocation-site pretenuring, for a gateway process (issue 18; bench/RESULTS.md 4p).
 *
 * V8 counts, for each object literal in the code, how many of the objects it made survived a scavenge of the young
 * generation; past 85 % it decides that the literal's objects are long-lived and from then on allocates them straight
 * in the old generation, for the rest of the process's life. A gateway's objects live as long as their request. Under
 * saturation a request lives long enough (tens of ms) for literals to cross that line: on the quick set the record
 * row of `mapRecordRow` was one (named by printing a tenured allocation site from gdb), and 3 of 8 gateway processes
 * were left heavy after 20 s of S1 at 32 connections (`bench:young-gen RUNS=8`). From then on every record row was born
 * old, and whatever young object it held — its strings and dates — was copied by each scavenge and promoted: 0.8–1.4 MB
 * per scavenge against 1–14 KB, pauses of 3.2–3.8 ms against 0.8–0.95, at one request in flight, until the process ended.
 *
 * So a gateway turns it off (`V8_PRETENURING=off`, the default): every object starts young and is promoted only if it
 * outlives two scavenges. `on` keeps V8's default. V8 reads this flag at each scavenge's end, when it digests what
 * it counted, so setting it at start — before traffic — means no site is ever tenured (test/unit/v8-heap.test.ts
 * watches V8's own trace to prove it); a site tenured before would stay so.
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
