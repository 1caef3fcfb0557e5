import { describe, expect, it } from 'vitest';
import { nextFireAt, planFire, previewFires, resolveSchedule } from '../../src/scheduling/cron-schedule.js';

const NEW_YORK = 'America/New_York';
const SYDNEY = 'Australia/Sydney';

/** Fire times after `from`, as ISO strings. */
function fires(cron: string, zone: string, from: string, count: number): string[] {
  return previewFires(cron, zone, new Date(from), count).map((fire) => fire.toISOString());
}

/** Returns the local calendar date of an instant in `zone`, as YYYY-MM-DD. */
function localDate(instant: Date, zone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);
}

// 2025 changes. New York: 9 March 02:00 EST becomes 03:00 EDT (07:00Z); 2 November 02:00 EDT
// becomes 01:00 EST (06:00Z). Sydney: 6 April 03:00 AEDT becomes 02:00 AEST (5 April 16:00Z);
// 5 October 02:00 AEST becomes 03:00 AEDT (4 October 16:00Z).
describe('cron fire times in America/New_York', () => {
  it('daily job in the skipped hour fires once', () => {
    expect(fires('30 2 * * *', NEW_YORK, '2025-03-07T12:00:00Z', 4)).toEqual([
      '2025-03-08T07:30:00.000Z', // 02:30 EST
      '2025-03-09T07:30:00.000Z', // 02:30 does not exist: 03:30 EDT
      '2025-03-10T06:30:00.000Z', // 02:30 EDT
      '2025-03-11T06:30:00.000Z',
    ]);
  });

  it('daily job in the repeated hour fires once', () => {
    expect(fires('30 1 * * *', NEW_YORK, '2025-10-31T12:00:00Z', 4)).toEqual([
      '2025-11-01T05:30:00.000Z', // 01:30 EDT
      '2025-11-02T05:30:00.000Z', // the first 01:30, EDT; the second (EST) does not fire
      '2025-11-03T06:30:00.000Z', // 01:30 EST
      '2025-11-04T06:30:00.000Z',
    ]);
  });

  it('hourly job skips the missing hour', () => {
    expect(fires('0 * * * *', NEW_YORK, '2025-03-09T05:00:00Z', 3)).toEqual([
      '2025-03-09T06:00:00.000Z', // 01:00 EST
      '2025-03-09T07:00:00.000Z', // 03:00 EDT
      '2025-03-09T08:00:00.000Z', // 04:00 EDT
    ]);
  });

  it('hourly job fires in both repeated hours', () => {
    expect(fires('0 * * * *', NEW_YORK, '2025-11-02T04:00:00Z', 3)).toEqual([
      '2025-11-02T05:00:00.000Z', // 01:00 EDT
      '2025-11-02T06:00:00.000Z', // 01:00 EST, one real hour later
      '2025-11-02T07:00:00.000Z', // 02:00 EST
    ]);
  });

  it('half-hourly job across spring forward', () => {
    expect(fires('*/30 * * * *', NEW_YORK, '2025-03-09T06:00:00Z', 4)).toEqual([
      '2025-03-09T06:30:00.000Z', // 01:30 EST
      '2025-03-09T07:00:00.000Z', // 03:00 EDT
      '2025-03-09T07:30:00.000Z', // 03:30 EDT
      '2025-03-09T08:00:00.000Z',
    ]);
  });

  it('fixed-hour job skips the repeated hour', () => {
    expect(fires('*/15 1 * * *', NEW_YORK, '2025-11-02T04:30:00Z', 5)).toEqual([
      '2025-11-02T05:00:00.000Z',
      '2025-11-02T05:15:00.000Z',
      '2025-11-02T05:30:00.000Z',
      '2025-11-02T05:45:00.000Z',
      '2025-11-03T06:00:00.000Z', // 01:00 EST the next day; 01:xx EST on 2 November does not fire
    ]);
  });

  it('six-field expression keeps its seconds', () => {
    expect(fires('15 30 2 * * *', NEW_YORK, '2025-03-08T12:00:00Z', 2)).toEqual([
      '2025-03-09T07:30:15.000Z',
      '2025-03-10T06:30:15.000Z',
    ]);
  });

  it('start inside the repeated hour', () => {
    // cron-parser alone returns 2025-11-02T06:30Z (01:30 EST), a second fire on the same day.
    expect(nextFireAt('30 1 * * *', NEW_YORK, new Date('2025-11-02T06:00:00Z')).toISOString()).toBe('2025-11-03T06:30:00.000Z');
    expect(nextFireAt('30 1 * * *', NEW_YORK, new Date('2025-11-02T06:45:00Z')).toISOString()).toBe('2025-11-03T06:30:00.000Z');
    expect(nextFireAt('0 * * * *', NEW_YORK, new Date('2025-11-02T06:30:00Z')).toISOString()).toBe('2025-11-02T07:00:00.000Z');
  });

  it('start just after spring forward', () => {
    // cron-parser alone skips this day's fire (03:30 EDT) from 03:00 EDT.
    expect(nextFireAt('30 2 * * *', NEW_YORK, new Date('2025-03-09T07:00:00Z')).toISOString()).toBe('2025-03-09T07:30:00.000Z');
    expect(nextFireAt('0 3 * * *', NEW_YORK, new Date('2025-03-09T07:00:00Z')).toISOString()).toBe('2025-03-10T07:00:00.000Z');
  });
});

describe('cron fire times in Australia/Sydney', () => {
  it('daily job when summer time starts', () => {
    expect(fires('30 2 * * *', SYDNEY, '2025-10-03T00:00:00Z', 3)).toEqual([
      '2025-10-03T16:30:00.000Z', // 02:30 AEST on 4 October
      '2025-10-04T16:30:00.000Z', // 02:30 does not exist on 5 October: 03:30 AEDT
      '2025-10-05T15:30:00.000Z', // 02:30 AEDT on 6 October
    ]);
  });

  it('daily job when summer time ends', () => {
    expect(fires('30 2 * * *', SYDNEY, '2025-04-04T00:00:00Z', 3)).toEqual([
      '2025-04-04T15:30:00.000Z', // 02:30 AEDT on 5 April
      '2025-04-05T15:30:00.000Z', // the first 02:30 on 6 April, AEDT
      '2025-04-06T16:30:00.000Z', // 02:30 AEST on 7 April
    ]);
  });

  it('hourly job when summer time ends', () => {
    expect(fires('0 * * * *', SYDNEY, '2025-04-05T13:30:00Z', 4)).toEqual([
      '2025-04-05T14:00:00.000Z', // 01:00 AEDT
      '2025-04-05T15:00:00.000Z', // 02:00 AEDT
      '2025-04-05T16:00:00.000Z', // 02:00 AEST
      '2025-04-05T17:00:00.000Z', // 03:00 AEST
    ]);
  });

  it('weekly job on the change day', () => {
    expect(fires('30 2 * * 0', SYDNEY, '2025-10-01T00:00:00Z', 2)).toEqual([
      '2025-10-04T16:30:00.000Z', // Sunday 5 October, 03:30 AEDT
      '2025-10-11T15:30:00.000Z', // Sunday 12 October, 02:30 AEDT
    ]);
  });

  it('start inside the repeated hour', () => {
    expect(nextFireAt('30 2 * * *', SYDNEY, new Date('2025-04-05T16:10:00Z')).toISOString()).toBe('2025-04-06T16:30:00.000Z');
  });

  it('start just after summer time starts', () => {
    expect(nextFireAt('30 2 * * *', SYDNEY, new Date('2025-10-04T16:10:00Z')).toISOString()).toBe('2025-10-04T16:30:00.000Z');
  });
});

describe('cron fire time invariants', () => {
  const dailyCases: [string, string][] = [
    ['30 2 * * *', NEW_YORK],
    ['30 1 * * *', NEW_YORK],
    ['0 2 * * *', NEW_YORK],
    ['30 2 * * *', SYDNEY],
    ['0 3 * * *', SYDNEY],
  ];

  for (const [cron, zone] of dailyCases) {
    it(`daily ${cron} ${zone} once per day`, () => {
      const dates = previewFires(cron, zone, new Date('2025-01-01T00:00:00Z'), 400).map((fire) => localDate(fire, zone));
      expect(new Set(dates).size).toBe(dates.length);
      for (let index = 1; index < dates.length; index += 1) {
        const gapDays = (Date.parse(dates[index]) - Date.parse(dates[index - 1])) / 86_400_000;
        expect(gapDays, `${dates[index - 1]} to ${dates[index]}`).toBe(1);
      }
    });
  }

  // From any instant, the next fire is the one an uninterrupted sequence gives, so a restart,
  // a publish or a resume at any moment of a change day neither repeats nor skips a fire.
  const restartCases: [string, string, string][] = [
    ['30 1 * * *', NEW_YORK, '2025-11-01T12:00:00Z'],
    ['30 2 * * *', NEW_YORK, '2025-03-08T12:00:00Z'],
    ['*/20 * * * *', NEW_YORK, '2025-11-02T03:00:00Z'],
    ['30 2 * * *', SYDNEY, '2025-04-05T00:00:00Z'],
    ['30 2 * * *', SYDNEY, '2025-10-04T00:00:00Z'],
    ['0 * * * *', SYDNEY, '2025-10-04T12:00:00Z'],
  ];

  for (const [cron, zone, start] of restartCases) {
    it(`restart anywhere ${cron} ${zone} ${start.slice(0, 10)}`, () => {
      const sequence = previewFires(cron, zone, new Date(start), 200).map((fire) => fire.getTime());
      const startMs = Date.parse(start);
      for (let afterMs = startMs; afterMs < startMs + 36 * 3_600_000; afterMs += 7 * 60_000) {
        const expected = sequence.find((fire) => fire > afterMs)!;
        const actual = nextFireAt(cron, zone, new Date(afterMs)).getTime();
        expect(new Date(actual).toISOString(), `after ${new Date(afterMs).toISOString()}`).toBe(new Date(expected).toISOString());
      }
    });
  }
});

describe('missed fire policy', () => {
  const daily = { cron: '30 2 * * *', timezone: NEW_YORK };
  const scheduledAt = new Date('2025-03-08T07:30:00Z');
  const missedAfterMs = 60_000;

  it('fire on time', () => {
    const plan = planFire({ ...daily, missed: 'skip' }, scheduledAt, new Date('2025-03-08T07:30:40Z'), missedAfterMs);
    expect(plan.fire?.toISOString()).toBe('2025-03-08T07:30:00.000Z');
    expect(plan.next.toISOString()).toBe('2025-03-09T07:30:00.000Z');
    expect(plan.missed).toBe(0);
  });

  it('late fire at the threshold', () => {
    const plan = planFire({ ...daily, missed: 'skip' }, scheduledAt, new Date(scheduledAt.getTime() + missedAfterMs), missedAfterMs);
    expect(plan.fire?.toISOString()).toBe('2025-03-08T07:30:00.000Z');
  });

  it('skip fires nothing for the past', () => {
    const plan = planFire({ ...daily, missed: 'skip' }, scheduledAt, new Date('2025-03-11T12:00:00Z'), missedAfterMs);
    expect(plan.fire).toBeNull();
    // 8, 9 (03:30 EDT), 10 and 11 March passed.
    expect(plan.missed).toBe(4);
    expect(plan.next.toISOString()).toBe('2025-03-12T06:30:00.000Z');
  });

  it('runOnce fires the latest missed time', () => {
    const plan = planFire({ ...daily, missed: 'runOnce' }, scheduledAt, new Date('2025-03-11T12:00:00Z'), missedAfterMs);
    expect(plan.fire?.toISOString()).toBe('2025-03-11T06:30:00.000Z');
    expect(plan.missed).toBe(4);
    expect(plan.next.toISOString()).toBe('2025-03-12T06:30:00.000Z');
  });

  it('runOnce after a long outage', () => {
    const plan = planFire({ cron: '* * * * * *', timezone: 'UTC', missed: 'runOnce' }, new Date('2025-01-01T00:00:00Z'), new Date('2025-01-02T00:00:00.500Z'), missedAfterMs);
    expect(plan.fire?.toISOString()).toBe('2025-01-02T00:00:00.000Z');
    expect(plan.next.toISOString()).toBe('2025-01-02T00:00:01.000Z');
  });
});

describe('resolveSchedule', () => {
  it('defaults come from the graph', () => {
    const schedule = resolveSchedule({ name: 'g', nodes: [], edges: [], settings: { timezone: SYDNEY, schedule: { cron: '0 9 * * *' } } });
    expect(schedule).toEqual({ cron: '0 9 * * *', timezone: SYDNEY, enabled: true, missed: 'skip' });
  });

  it('no schedule gives null', () => {
    expect(resolveSchedule({ name: 'g', nodes: [], edges: [] })).toBeNull();
  });
});
