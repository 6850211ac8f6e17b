import { describe, expect, it } from 'vitest';
import { parseWhen } from '../../src/domain/when.js';

async function at(input: string, now: string, zone: string) {
  const result = await parseWhen(input, new Date(now), zone);
  if (!result.ok) throw new Error(`${input}: ${result.reason}`);
  return { ...result, iso: result.at.toISOString() };
}

describe('parseWhen', () => {
  it('does keep 10:00 local on the day after a spring-forward change in Berlin', async () => {
    // 2026-03-29 02:00 CET → 03:00 CEST.
    expect((await at('tomorrow 10am', '2026-03-28T11:00:00Z', 'Europe/Berlin')).iso).toBe('2026-03-29T08:00:00.000Z');
  });

  it('does keep 10:00 local on the day after a fall-back change in Berlin', async () => {
    // 2026-10-25 03:00 CEST → 02:00 CET.
    expect((await at('tomorrow 10:00', '2026-10-24T11:00:00Z', 'Europe/Berlin')).iso).toBe('2026-10-25T09:00:00.000Z');
  });

  it('does place "in 3 days" on the local day across a New York spring-forward, untimed', async () => {
    // 2026-03-08 02:00 EST → 03:00 EDT; now is 2026-03-06 20:00 EST.
    const result = await at('in 3 days', '2026-03-07T01:00:00Z', 'America/New_York');
    expect(result).toMatchObject({ timed: false, iso: '2026-03-09T13:00:00.000Z' });
  });

  it('does read a Chinese weekday and hour in the rep time zone', async () => {
    // Monday 2026-11-23 in Shanghai (UTC+8); 下周一 is the Monday after.
    const result = await at('下周一 10点 回访', '2026-11-23T02:00:00Z', 'Asia/Shanghai');
    expect(result).toMatchObject({ iso: '2026-11-30T02:00:00.000Z', timed: true, after: '回访' });
  });

  it('does read an ISO-like date and time as local wall-clock time after the fall-back in New York', async () => {
    // 2026-11-01 02:00 EDT → 01:00 EST; 2026-12-01 is in EST (UTC−5).
    expect((await at('2026-12-01 14:00', '2026-10-30T12:00:00Z', 'America/New_York')).iso).toBe('2026-12-01T19:00:00.000Z');
  });

  it('does keep "in 2 hours" an exact duration when it spans the Berlin spring-forward', async () => {
    expect((await at('in 2 hours', '2026-03-29T00:30:00Z', 'Europe/Berlin')).iso).toBe('2026-03-29T02:30:00.000Z');
  });

  it('does split the text around the time expression into who and note', async () => {
    const result = await at('Emma Fischer tomorrow 10am check the refill', '2026-11-23T09:00:00Z', 'Europe/Berlin');
    expect(result).toMatchObject({ before: 'Emma Fischer', after: 'check the refill', iso: '2026-11-24T09:00:00.000Z' });
  });

  it('does refuse a time that has already passed today', async () => {
    expect(await parseWhen('today 9am', new Date('2026-11-23T12:00:00Z'), 'Europe/Berlin')).toEqual({ ok: false, reason: 'past' });
  });

  it('does report a missing time when there is none', async () => {
    expect(await parseWhen('check the refill', new Date('2026-11-23T12:00:00Z'), 'Europe/Berlin')).toEqual({ ok: false, reason: 'missing' });
  });

  it('does accept "tomorrow" as an untimed callback at the morning hour', async () => {
    expect(await at('tomorrow', '2026-11-23T12:00:00Z', 'Asia/Shanghai')).toMatchObject({ timed: false, iso: '2026-11-24T01:00:00.000Z' });
  });
});
