/**
 * Deterministic randomness and the Asia/Shanghai calendar of the demo data set: a mulberry32 stream (no Math.random)
 * and date arithmetic that matches PostgreSQL's `date + interval`.
 */
import { shanghaiDate } from '../../domain/identifiers.js';
import type { Weighted } from './demo-names.js';

export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** mulberry32: floats in [0, 1) */
  next = (): number => {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  weighted<T>(items: readonly Weighted<T>[]): T {
    const total = items.reduce((sum, [, w]) => sum + w, 0);
    let r = this.next() * total;
    for (const [item, w] of items) {
      r -= w;
      if (r < 0) return item;
    }
    return items[items.length - 1]![0];
  }
  /** a round amount in [min, max] */
  amount(min: number, max: number, step: number): number {
    return Math.max(min, Math.round((min + this.next() * (max - min)) / step) * step);
  }
}

export interface Ymd { y: number; m: number; d: number }
export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
const SHANGHAI_OFFSET_MS = 8 * HOUR_MS;

export const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
export const ymdText = (day: Ymd): string => `${pad(day.y, 4)}-${pad(day.m)}-${pad(day.d)}`;
export function ymdOf(instant: Date): Ymd {
  const [y, m, d] = shanghaiDate(instant).split('-').map(Number);
  return { y: y!, m: m!, d: d! };
}
export function ymdParse(text: string): Ymd {
  const [y, m, d] = text.split('-').map(Number);
  return { y: y!, m: m!, d: d! };
}
export const daysInMonth = (y: number, m: number): number => new Date(Date.UTC(y, m, 0)).getUTCDate();

/** Calendar arithmetic like PostgreSQL's `date + interval`: months clamp to the end of the month, then days. */
export function shift(day: Ymd, by: { years?: number; months?: number; days?: number }): Ymd {
  const months = day.y * 12 + (day.m - 1) + (by.years ?? 0) * 12 + (by.months ?? 0);
  const y = Math.floor(months / 12);
  const m = months - y * 12 + 1;
  const t = new Date(Date.UTC(y, m - 1, Math.min(day.d, daysInMonth(y, m))) + (by.days ?? 0) * DAY_MS);
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}
/** The instant of `hour:minute` Asia/Shanghai time on `day`. */
export const at = (day: Ymd, hour = 10, minute = 0): Date => new Date(Date.UTC(day.y, day.m - 1, day.d, hour, minute) - SHANGHAI_OFFSET_MS);
/** `instant + interval` evaluated in Asia/Shanghai (the time of day is kept). */
export function shiftInstant(instant: Date, by: { years?: number; months?: number; days?: number }): Date {
  const local = new Date(instant.getTime() + SHANGHAI_OFFSET_MS);
  const day = shift({ y: local.getUTCFullYear(), m: local.getUTCMonth() + 1, d: local.getUTCDate() }, by);
  return new Date(at(day, local.getUTCHours(), local.getUTCMinutes()).getTime() + local.getUTCSeconds() * 1000);
}
export const daysBetween = (from: Ymd, to: Ymd): number => Math.round((Date.UTC(to.y, to.m - 1, to.d) - Date.UTC(from.y, from.m - 1, from.d)) / DAY_MS);
