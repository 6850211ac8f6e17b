import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/domain/random.js';
import { agendaSlotsBetween, nextAgendaSlot } from '../../../src/domain/schedule/agenda.js';
import { birthdayInYear, birthdayKeysFor, birthdayMornings } from '../../../src/domain/schedule/birthday.js';
import { cadenceIntervalMs } from '../../../src/domain/schedule/cadence.js';
import { dedupeKey } from '../../../src/domain/schedule/dedupe-keys.js';
import { digestSlotsBetween } from '../../../src/domain/schedule/digest-slot.js';
import { atLocalTime, isoInZone, isoWeekOf } from '../../../src/domain/schedule/local-time.js';
import { DEFAULT_RETRY_POLICY, isExhausted, rateLimitPauseMs, retryDelayMs } from '../../../src/domain/schedule/retry.js';
import { parseScheduleSettings } from '../../../src/domain/schedule/schedule-settings.js';
import { lastScoringSlot, lastScoringSlotOf } from '../../../src/domain/schedule/scoring-slot.js';
import { decideWinback } from '../../../src/domain/schedule/winback.js';

const DAY = 86_400_000;
const utc = (iso: string) => new Date(iso);
const span = (from: string, to: string) => [utc(from), utc(to)] as const;

describe('birthdays', () => {
  it('does celebrate Feb 29 on Feb 28 in common years and on Feb 29 in leap years', () => {
    expect(birthdayInYear({ month: 2, day: 29 }, 2027)).toEqual({ year: 2027, month: 2, day: 28 });
    expect(birthdayInYear({ month: 2, day: 29 }, 2028)).toEqual({ year: 2028, month: 2, day: 29 });
    expect(birthdayInYear({ month: 2, day: 29 }, 2100)).toEqual({ year: 2100, month: 2, day: 28 });
    expect(birthdayKeysFor([{ year: 2027, month: 2, day: 28 }])).toEqual([{ month: 2, day: 28 }, { month: 2, day: 29 }]);
    expect(birthdayKeysFor([{ year: 2028, month: 2, day: 28 }])).toEqual([{ month: 2, day: 28 }]);
  });

  it.each([
    // zone, birthday, expected 09:00 local in UTC: spring-forward and fall-back days and the days around them
    ['Europe/Berlin', 3, 27, '2027-03-27T08:00:00.000Z'],
    ['Europe/Berlin', 3, 28, '2027-03-28T07:00:00.000Z'],
    ['Europe/Berlin', 10, 31, '2027-10-31T08:00:00.000Z'],
    ['America/New_York', 3, 14, '2027-03-14T13:00:00.000Z'],
    ['America/New_York', 11, 7, '2027-11-07T14:00:00.000Z'],
    ['America/New_York', 11, 6, '2027-11-06T13:00:00.000Z'],
    ['Asia/Shanghai', 3, 28, '2027-03-28T01:00:00.000Z'],
    ['Asia/Shanghai', 11, 7, '2027-11-07T01:00:00.000Z'],
  ])('does greet at 09:00 local in %s on %i/%i across DST', (zone, month, day, expected) => {
    const [from, to] = span('2027-01-01T00:00:00Z', '2027-12-31T23:59:59Z');
    const mornings = birthdayMornings(from, to)({ month, day }, zone);
    expect(mornings.map((m) => m.dueAt.toISOString())).toEqual([expected]);
  });

  it('does use the calendar day of the customer zone, not UTC', () => {
    // 09:00 Shanghai on Jan 5 is 01:00 UTC Jan 5; a window ending at 00:30 UTC does not reach it.
    const [from, to] = span('2027-01-04T00:00:00Z', '2027-01-05T00:30:00Z');
    const morningsOf = birthdayMornings(from, to);
    expect(morningsOf({ month: 1, day: 5 }, 'Asia/Shanghai')).toEqual([]);
    expect(morningsOf({ month: 1, day: 4 }, 'America/New_York')).toHaveLength(1);
    expect(morningsOf({ month: 1, day: 4 }, 'Asia/Shanghai')).toHaveLength(1);
  });
});

describe('local times on DST days', () => {
  it.each([
    ['Europe/Berlin', { year: 2027, month: 3, day: 28 }, 2, 30, '2027-03-28T03:30:00.000+02:00'],
    ['America/New_York', { year: 2027, month: 3, day: 14 }, 2, 30, '2027-03-14T03:30:00.000-04:00'],
    ['Europe/Berlin', { year: 2027, month: 10, day: 31 }, 2, 30, '2027-10-31T02:30:00.000+01:00'],
    ['America/New_York', { year: 2027, month: 11, day: 7 }, 1, 30, '2027-11-07T01:30:00.000-05:00'],
    ['Asia/Shanghai', { year: 2027, month: 3, day: 28 }, 2, 30, '2027-03-28T02:30:00.000+08:00'],
  ])('does place %s %o %i:%i once (a gap moves on, an overlap takes standard time)', (zone, date, hour, minute, expected) => {
    expect(isoInZone(atLocalTime(date, hour, zone, minute), zone)).toBe(expected);
  });
});

describe('morning agenda slots', () => {
  it('does send at the rep hour on working days only, across spring-forward in Berlin', () => {
    const [from, to] = span('2027-03-25T00:00:00Z', '2027-03-31T00:00:00Z');
    const slots = agendaSlotsBetween('Europe/Berlin', 9, from, to);
    expect(slots.map((s) => s.dueAt.toISOString())).toEqual([
      '2027-03-25T08:00:00.000Z', '2027-03-26T08:00:00.000Z', '2027-03-29T07:00:00.000Z', '2027-03-30T07:00:00.000Z',
    ]);
  });

  it('does follow fall-back in New York and ignore DST in Shanghai', () => {
    const ny = agendaSlotsBetween('America/New_York', 8, ...span('2027-11-05T00:00:00Z', '2027-11-09T00:00:00Z'));
    expect(ny.map((s) => s.dueAt.toISOString())).toEqual(['2027-11-05T12:00:00.000Z', '2027-11-08T13:00:00.000Z']);
    const sh = agendaSlotsBetween('Asia/Shanghai', 9, ...span('2027-11-05T00:00:00Z', '2027-11-09T00:00:00Z'));
    expect(sh.map((s) => s.dueAt.toISOString())).toEqual(['2027-11-05T01:00:00.000Z', '2027-11-08T01:00:00.000Z']);
  });

  it('does land a day-level item on the next working-day slot', () => {
    // Saturday afternoon in Berlin → Monday 09:00.
    expect(nextAgendaSlot('Europe/Berlin', 9, utc('2027-03-27T14:00:00Z')).dueAt.toISOString()).toBe('2027-03-29T07:00:00.000Z');
    expect(nextAgendaSlot('Europe/Berlin', 9, utc('2027-03-29T07:00:00Z')).dueAt.toISOString()).toBe('2027-03-29T07:00:00.000Z');
  });
});

describe('weekly digest slot', () => {
  it('does fall on Monday 08:00 in the manager zone on both sides of a DST change', () => {
    const slots = digestSlotsBetween('America/New_York', { weekday: 1, hour: 8 }, ...span('2027-03-01T00:00:00Z', '2027-03-20T00:00:00Z'));
    expect(slots.map((s) => s.dueAt.toISOString())).toEqual(['2027-03-01T13:00:00.000Z', '2027-03-08T13:00:00.000Z', '2027-03-15T12:00:00.000Z']);
    const berlin = digestSlotsBetween('Europe/Berlin', { weekday: 1, hour: 8 }, ...span('2027-10-24T00:00:00Z', '2027-11-02T00:00:00Z'));
    expect(berlin.map((s) => s.dueAt.toISOString())).toEqual(['2027-10-25T06:00:00.000Z', '2027-11-01T07:00:00.000Z']);
  });

  it('does key digests by ISO week, which may belong to the previous year', () => {
    expect(isoWeekOf({ year: 2027, month: 1, day: 1 })).toBe('2026-W53');
    expect(dedupeKey.digest(7, { year: 2027, month: 1, day: 4 })).toBe('digest:7:2027-W01');
    expect(dedupeKey.birthday(3, 2027)).toBe('birthday:3:2027');
    expect(dedupeKey.agenda(2, { year: 2027, month: 3, day: 9 })).toBe('agenda:2:2027-03-09');
    expect(dedupeKey.callback(5, utc('2027-03-09T10:00:00Z'))).toBe('callback:5:2027-03-09T10:00:00.000Z');
    expect(dedupeKey.winbackWon(4, 2)).toBe('winback:4:2:won');
  });
});

describe('cadences', () => {
  it('does fall due the tier interval after the last touch', () => {
    const cadence = parseScheduleSettings('{}').cadenceDays;
    expect(cadence).toEqual({ A: 14, B: 30, C: 60, D: 90 });
    expect(cadenceIntervalMs('A', cadence)).toBe(14 * DAY);
    expect(cadenceIntervalMs('D', cadence)).toBe(90 * DAY);
  });

  it('does take team overrides and fall back per field on bad values', () => {
    const settings = parseScheduleSettings(JSON.stringify({ cadenceDays: { A: 7, B: 'often' }, digest: { hour: 7 }, winbackDays: -1, other: 1 }));
    expect(settings.cadenceDays).toEqual({ A: 7, B: 30, C: 60, D: 90 });
    expect(settings.digest).toEqual({ weekday: 1, hour: 7 });
    expect(settings.winbackDays).toBe(30);
    expect(parseScheduleSettings('not json').cadenceDays.C).toBe(60);
  });

  it('does rescore at 02:00 unless the team sets another hour, and ignore an hour that is not one', () => {
    expect(parseScheduleSettings('{}').scoringHour).toBe(2);
    expect(parseScheduleSettings('{"scoringHour": 23}').scoringHour).toBe(23);
    for (const bad of ['24', '-1', '1.5', '"2"', 'null']) expect(parseScheduleSettings(`{"scoringHour": ${bad}}`).scoringHour).toBe(2);
  });
});

describe('nightly scoring slots', () => {
  it.each([
    // zone, hour, now, the latest slot at or before now
    ['Asia/Shanghai', 2, '2027-01-05T17:59:59Z', '2027-01-04T18:00:00.000Z'],
    ['Asia/Shanghai', 2, '2027-01-05T18:00:00Z', '2027-01-05T18:00:00.000Z'],
    ['Europe/Berlin', 2, '2027-01-05T00:30:00Z', '2027-01-04T01:00:00.000Z'],
    // 02:00 does not exist on the spring-forward night: the slot moves on to 03:00 CEST, still once that night.
    ['Europe/Berlin', 2, '2027-03-28T01:00:00Z', '2027-03-28T01:00:00.000Z'],
    ['Europe/Berlin', 2, '2027-03-28T00:59:00Z', '2027-03-27T01:00:00.000Z'],
    // The fall-back night has two 02:30s: the slot is the second one only.
    ['Europe/Berlin', 2, '2027-10-31T00:30:00Z', '2027-10-30T00:00:00.000Z'],
    ['Europe/Berlin', 2, '2027-10-31T01:00:00Z', '2027-10-31T01:00:00.000Z'],
    // Half- and quarter-hour zones: the quarter-hourly trigger meets them.
    ['Asia/Kolkata', 2, '2027-01-05T00:00:00Z', '2027-01-04T20:30:00.000Z'],
    ['Asia/Kathmandu', 0, '2027-01-05T00:00:00Z', '2027-01-04T18:15:00.000Z'],
  ])('does find the last slot in %s at %i:00 before %s', (zone, hour, now, slot) => {
    expect(lastScoringSlotOf({ zone, hour }, utc(now)).toISOString()).toBe(slot);
  });

  it('does take the latest slot over all teams, and 02:00 UTC without teams', () => {
    const teams = [{ zone: 'Asia/Shanghai', hour: 2 }, { zone: 'Europe/Berlin', hour: 2 }];
    expect(lastScoringSlot(teams, utc('2027-01-05T12:00:00Z')).toISOString()).toBe('2027-01-05T01:00:00.000Z');
    expect(lastScoringSlot(teams, utc('2027-01-05T20:00:00Z')).toISOString()).toBe('2027-01-05T18:00:00.000Z');
    expect(lastScoringSlot([], utc('2027-01-05T01:59:00Z')).toISOString()).toBe('2027-01-04T02:00:00.000Z');
  });
});

describe('retry backoff', () => {
  it('does grow exponentially with jitter inside [ceiling/2, ceiling] and cap', () => {
    const random = seededRandom(1);
    for (let attempt = 1; attempt <= 12; attempt++) {
      const ceiling = Math.min(DEFAULT_RETRY_POLICY.maxDelayMs, DEFAULT_RETRY_POLICY.baseDelayMs * 2 ** (attempt - 1));
      const delay = retryDelayMs(attempt, DEFAULT_RETRY_POLICY, random);
      expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
      expect(delay).toBeLessThanOrEqual(ceiling);
    }
    expect(isExhausted(DEFAULT_RETRY_POLICY.maxAttempts - 1, DEFAULT_RETRY_POLICY)).toBe(false);
    expect(isExhausted(DEFAULT_RETRY_POLICY.maxAttempts, DEFAULT_RETRY_POLICY)).toBe(true);
  });

  it('does never come back sooner than Retry-After', () => {
    const random = seededRandom(2);
    for (const after of [0, 1, 500, 30_000, 3_600_000]) {
      const pause = rateLimitPauseMs(after, random);
      expect(pause).toBeGreaterThanOrEqual(after);
      expect(pause).toBeLessThanOrEqual(after + 1000);
    }
  });
});

describe('win-back episodes', () => {
  const now = 100 * DAY;
  const score = (lifecycle: string, asOf = now - DAY) => ({ lifecycle, asOf });

  it('does open a plan with a deadline when a customer turns at risk or lapsed', () => {
    for (const lifecycle of ['at_risk', 'lapsed']) {
      expect(decideWinback({ latestScore: score(lifecycle), open: null, lastClosed: null, firstOrderSinceStart: null }, now, 30)).toEqual({
        kind: 'open', episode: 1, startedAt: now, deadline: now + 30 * DAY,
      });
    }
    expect(decideWinback({ latestScore: score('active'), open: null, lastClosed: null, firstOrderSinceStart: null }, now, 30).kind).toBe('none');
  });

  it('does win back on a purchase by the deadline and give up after it (及时止损)', () => {
    const open = { episode: 2, startedAt: now - 40 * DAY, deadline: now - 10 * DAY };
    expect(decideWinback({ latestScore: score('at_risk'), open, lastClosed: null, firstOrderSinceStart: now - 12 * DAY }, now, 30)).toEqual({
      kind: 'won', episode: 2, at: now - 12 * DAY,
    });
    expect(decideWinback({ latestScore: score('at_risk'), open, lastClosed: null, firstOrderSinceStart: now - 5 * DAY }, now, 30)).toEqual({
      kind: 'lost', episode: 2, at: now - 10 * DAY,
    });
    const running = { ...open, deadline: now + DAY };
    expect(decideWinback({ latestScore: score('at_risk'), open: running, lastClosed: null, firstOrderSinceStart: null }, now, 30).kind).toBe('none');
  });

  it('does not reopen a plan on a score judged before the last plan closed', () => {
    const lastClosed = { episode: 1, closedAt: now - 2 * DAY };
    expect(decideWinback({ latestScore: score('at_risk', now - 3 * DAY), open: null, lastClosed, firstOrderSinceStart: null }, now, 30).kind).toBe('none');
    expect(decideWinback({ latestScore: score('lapsed', now - DAY), open: null, lastClosed, firstOrderSinceStart: null }, now, 30)).toMatchObject({
      kind: 'open', episode: 2,
    });
  });
});
