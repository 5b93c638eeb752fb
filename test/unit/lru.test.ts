import { describe, expect, it } from 'vitest';
import { LruMap } from '../../src/lru.js';

/** The bounded caches (compiled statements, shared rules) must stay bounded and keep what is in use. */
describe('LruMap', () => {
  it('forgets the least recently used entry once full; reading an entry keeps it', () => {
    const lru = new LruMap<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    expect(lru.get('a')).toBe(1); // a is now the most recent
    lru.set('c', 3); // evicts b
    expect([lru.get('a'), lru.get('b'), lru.get('c'), lru.size]).toEqual([1, undefined, 3, 2]);
  });

  it('replacing a key does not evict another', () => {
    const lru = new LruMap<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    lru.set('a', 10);
    expect([...lru.keys()]).toEqual(['b', 'a']);
    expect(lru.get('a')).toBe(10);
  });
});
