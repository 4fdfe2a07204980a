import fc from 'fast-check';
import { IANAZone } from 'luxon';
import { describe, expect, it } from 'vitest';
import { wallClockToUtc, zoneOffsets } from './zone-offset.ts';

const ZONES = [
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'Australia/Lord_Howe',
  'Asia/Kolkata',
  'America/St_Johns',
  'Pacific/Apia',
];

describe('wallClockToUtc', () => {
  it.each<[string, number, number | null]>([
    ['America/New_York', Date.UTC(2025, 2, 10, 9, 30), Date.UTC(2025, 2, 10, 13, 30)],
    ['Europe/Berlin', Date.UTC(2025, 6, 1, 12, 0), Date.UTC(2025, 6, 1, 10, 0)],
    // Skipped by the spring change: 02:00 -> 03:00.
    ['America/New_York', Date.UTC(2025, 2, 9, 2, 30), null],
    // Exists twice on 2 November 2025 (01:00-02:00): the earlier instant, still on EDT.
    ['America/New_York', Date.UTC(2025, 10, 2, 1, 30), Date.UTC(2025, 10, 2, 5, 30)],
    ['America/New_York', Date.UTC(2025, 10, 2, 2, 30), Date.UTC(2025, 10, 2, 7, 30)],
    // Lord Howe moves by 30 minutes.
    ['Australia/Lord_Howe', Date.UTC(2025, 9, 5, 2, 15), null],
  ])('%s %s', (zone, local, want) => {
    expect(wallClockToUtc(local, zoneOffsets(zone))).toBe(want);
  });

  it('agrees with luxon: every instant round-trips through its wall-clock time', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.oneof(
          fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2100, 0, 1) }),
          // Near daylight-saving changes, where the offset cache must not be trusted.
          fc
            .constantFrom(
              Date.UTC(2025, 2, 9, 7),
              Date.UTC(2025, 10, 2, 6),
              Date.UTC(2025, 2, 30, 1),
              Date.UTC(2025, 9, 26, 1),
              Date.UTC(2025, 3, 5, 15),
              Date.UTC(2025, 9, 4, 15, 30),
            )
            .chain((t) => fc.integer({ min: t - 3 * 3_600_000, max: t + 3 * 3_600_000 })),
        ),
        (zone, instant) => {
          const utc = Math.floor(instant / 60_000) * 60_000;
          const iana = IANAZone.create(zone);
          const offsets = zoneOffsets(zone);
          expect(offsets(utc)).toBe(iana.offset(utc));
          const wall = utc + iana.offset(utc) * 60_000;
          const back = wallClockToUtc(wall, offsets);
          expect(back).not.toBeNull();
          // In a fall-back hour the earlier of two instants is chosen; both show the same wall time.
          expect(back! + iana.offset(back!) * 60_000).toBe(wall);
          expect(back!).toBeLessThanOrEqual(utc);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
