import { describe, expect, it } from 'vitest';
import type { AttemptRecord } from '../api/types';
import { formatDuration, layoutTimeline, MIN_BAR_WIDTH, type TimelineTask } from './timeline-layout';

const T0 = Date.parse('2026-05-01T12:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

function attempt(number: number, start: number, end: number | null, status = 'COMPLETED'): AttemptRecord {
  return { attempt: number, status, error: null, startedAt: at(start), finishedAt: end === null ? null : at(end) };
}

function buildTask(id: string, attempts: AttemptRecord[], overrides: Partial<TimelineTask> = {}): TimelineTask {
  return {
    id,
    nodeId: id,
    nodeType: 'test/echo@1',
    status: 'COMPLETED',
    startedAt: attempts[0]?.startedAt ?? null,
    finishedAt: attempts[attempts.length - 1]?.finishedAt ?? null,
    attemptHistory: attempts,
    ...overrides,
  };
}

describe('layoutTimeline', () => {
  it('places bars on a shared axis', () => {
    const layout = layoutTimeline([buildTask('a', [attempt(1, 0, 250)]), buildTask('b', [attempt(1, 250, 1000)])], at(0), T0 + 5000);

    expect(layout.startMs).toBe(T0);
    expect(layout.spanMs).toBe(1000);
    expect(layout.rows.map((row) => row.bars[0].left)).toEqual([0, 0.25]);
    expect(layout.rows.map((row) => row.bars[0].width)).toEqual([0.25, 0.75]);
    expect(layout.rows.map((row) => row.durationMs)).toEqual([250, 750]);
  });

  it('shows every attempt of a retried task', () => {
    const retried = buildTask('flaky', [attempt(1, 0, 100, 'FAILED'), attempt(2, 300, 400)]);

    const layout = layoutTimeline([retried], at(0), T0 + 400);

    expect(layout.rows[0].bars.map((bar) => [bar.attempt, bar.status, bar.left, bar.width])).toEqual([
      [1, 'FAILED', 0, 0.25],
      [2, 'COMPLETED', 0.75, 0.25],
    ]);
    expect(layout.rows[0].durationMs).toBe(400);
  });

  it('ends a running attempt at now', () => {
    const layout = layoutTimeline([buildTask('slow', [attempt(1, 0, null, 'IN_PROGRESS')], { status: 'IN_PROGRESS' })], at(0), T0 + 2000);

    expect(layout.spanMs).toBe(2000);
    expect(layout.rows[0].bars[0]).toMatchObject({ running: true, durationMs: 2000, width: 1 });
  });

  it('orders rows by start and puts skipped tasks last', () => {
    const tasks = [
      buildTask('skipped', [], { status: 'SKIPPED' }),
      buildTask('second', [attempt(1, 500, 600)]),
      buildTask('first', [attempt(1, 0, 100)]),
    ];

    const layout = layoutTimeline(tasks, at(0), T0 + 600);

    expect(layout.rows.map((row) => row.nodeId)).toEqual(['first', 'second', 'skipped']);
    expect(layout.rows[2].bars).toEqual([]);
    expect(layout.rows[2].durationMs).toBeNull();
  });

  it('keeps very short attempts visible', () => {
    const layout = layoutTimeline([buildTask('blink', [attempt(1, 0, 0)]), buildTask('long', [attempt(1, 0, 100_000)])], at(0), T0);

    expect(layout.rows.find((row) => row.nodeId === 'blink')?.bars[0].width).toBe(MIN_BAR_WIDTH);
  });

  it('uses task times without attempt records', () => {
    const task = buildTask('plain', [], { startedAt: at(100), finishedAt: at(300) });

    const layout = layoutTimeline([task], at(0), T0 + 300);

    expect(layout.rows[0].bars).toHaveLength(1);
    expect(layout.rows[0].bars[0].left).toBeCloseTo(1 / 3);
  });

  it('divides the axis into four ticks', () => {
    const layout = layoutTimeline([buildTask('a', [attempt(1, 0, 800)])], at(0), T0 + 800);

    expect(layout.ticks.map((tick) => tick.offsetMs)).toEqual([0, 200, 400, 600, 800]);
  });

  it('handles a run without tasks', () => {
    const layout = layoutTimeline([], null, T0);

    expect(layout.rows).toEqual([]);
    expect(layout.spanMs).toBe(1);
  });
});

describe('formatDuration', () => {
  it.each([
    [12, '12 ms'],
    [1500, '1.50 s'],
    [12_340, '12.3 s'],
    [125_000, '2 min 5 s'],
  ])('formats %d', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
