/**
 * Wall-clock time in a time zone → UTC, without building a luxon DateTime per value (measured:
 * luxon's `DateTime.fromObject` with a zone runs ~19k values/s; this runs at several 100k/s).
 * Offsets are cached per 15-minute slice of time, and only for slices that hold no offset change,
 * so a value next to a daylight-saving switch is always computed exactly.
 */
import { IANAZone } from 'luxon';

const SLICE_MS = 15 * 60_000;
const CACHE_LIMIT = 100_000;
const MIXED = Number.NaN;

/**
 * A function from a UTC instant (ms) to the zone's offset from UTC (minutes) at that instant.
 *
 * @example
 * zoneOffsets('Europe/Berlin')(Date.UTC(2025, 0, 1)); // 60
 */
export function zoneOffsets(zone: string): (utcMs: number) => number {
  if (zone === 'UTC' || zone === 'Etc/UTC') return () => 0;
  const iana = IANAZone.create(zone);
  const cache = new Map<number, number>();
  return (utcMs) => {
    const slice = Math.floor(utcMs / SLICE_MS);
    let off = cache.get(slice);
    if (off === undefined) {
      const start = iana.offset(slice * SLICE_MS);
      const end = iana.offset((slice + 1) * SLICE_MS - 1);
      off = start === end ? start : MIXED;
      if (cache.size >= CACHE_LIMIT) cache.clear();
      cache.set(slice, off);
    }
    return Number.isNaN(off) ? iana.offset(utcMs) : off;
  };
}

/**
 * The UTC instant of a wall-clock time (given as if it were UTC ms) in a zone, or null when the
 * time does not exist there (skipped by a daylight-saving change). A time that exists twice
 * (clocks set back) gives the earlier instant.
 *
 * @example
 * wallClockToUtc(Date.UTC(2025, 2, 10, 9, 30), zoneOffsets('America/New_York')); // Date.UTC(2025, 2, 10, 13, 30)
 */
export function wallClockToUtc(
  localMs: number,
  offsetAt: (utcMs: number) => number,
): number | null {
  const first = offsetAt(localMs);
  const guess = localMs - first * 60_000;
  const second = offsetAt(guess);
  if (second === first) {
    // Clocks set back: the same wall-clock time also exists with the larger (earlier) offset.
    const earlierOff = offsetAt(guess - 3 * 3_600_000);
    if (earlierOff > first) {
      const earlier = localMs - earlierOff * 60_000;
      if (offsetAt(earlier) === earlierOff) return earlier;
    }
    return guess;
  }
  const retry = localMs - second * 60_000;
  return offsetAt(retry) === second ? retry : null;
}
