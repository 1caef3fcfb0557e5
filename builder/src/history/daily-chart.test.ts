import { describe, expect, it } from 'vitest';
import { failureRate, layoutBars, niceCeiling, sumSeries, type ChartSize } from './daily-chart';

const SIZE: ChartSize = { width: 140, height: 120, left: 40, bottom: 20, gap: 0.5 };

describe('niceCeiling', () => {
  it.each([
    [0, 1],
    [-3, 1],
    [1, 1],
    [3, 5],
    [7, 10],
    [12, 20],
    [200, 200],
    [201, 500],
    [0.3, 0.5],
  ])('rounds %d up to %d', (value, expected) => {
    expect(niceCeiling(value)).toBeCloseTo(expected);
  });
});

describe('layoutBars', () => {
  it('scales bars to the round maximum', () => {
    const layout = layoutBars(
      [
        { label: 'a', value: 4 },
        { label: 'b', value: 0 },
        { label: 'c', value: 2 },
        { label: 'd', value: 5 },
      ],
      SIZE,
    );

    expect(layout.max).toBe(5);
    expect(layout.bars.map((bar) => bar.height)).toEqual([80, 0, 40, 100]);
    expect(layout.bars.map((bar) => bar.y)).toEqual([20, 100, 60, 0]);
  });

  it('spaces bars evenly after the left margin', () => {
    const layout = layoutBars(
      [
        { label: 'a', value: 1 },
        { label: 'b', value: 1 },
      ],
      SIZE,
    );

    expect(layout.bars.map((bar) => bar.x)).toEqual([52.5, 102.5]);
    expect(layout.bars.map((bar) => bar.width)).toEqual([25, 25]);
  });

  it('draws grid lines at zero, half and max', () => {
    const layout = layoutBars([{ label: 'a', value: 8 }], SIZE);

    expect(layout.ticks).toEqual([
      { value: 0, y: 100 },
      { value: 5, y: 50 },
      { value: 10, y: 0 },
    ]);
  });

  it('keeps an empty series drawable', () => {
    const layout = layoutBars([], SIZE);

    expect(layout.bars).toEqual([]);
    expect(layout.max).toBe(1);
    expect(layout.ticks.map((tick) => tick.value)).toEqual([0, 1]);
  });
});

describe('series totals', () => {
  const days = [
    { succeeded: 3, failed: 1, credits: 10 },
    { succeeded: 0, failed: 0, credits: 0 },
    { succeeded: 5, failed: 1, credits: 2 },
  ];

  it('sums one field', () => {
    expect(sumSeries(days, (day) => day.credits)).toBe(12);
  });

  it('computes the failure rate', () => {
    expect(failureRate(days)).toBe(20);
  });

  it('has no failure rate without finished runs', () => {
    expect(failureRate([{ succeeded: 0, failed: 0 }])).toBeNull();
  });
});
