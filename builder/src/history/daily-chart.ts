/** Geometry of the dashboard's daily bar charts, computed without React so tests check it directly. */

/** One bar of a chart, in SVG user units. */
export interface Bar {
  label: string;
  value: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A horizontal grid line with its value. */
export interface Tick {
  value: number;
  y: number;
}

export interface ChartLayout {
  bars: Bar[];
  ticks: Tick[];
  /** The value at the top of the plot. */
  max: number;
}

export interface ChartSize {
  width: number;
  height: number;
  /** Space left of the plot for the tick labels. */
  left: number;
  /** Space under the plot for the day labels. */
  bottom: number;
  /** Gap between two bars, as a share of each bar's slot (0 to 1). */
  gap: number;
}

export const DEFAULT_CHART_SIZE: ChartSize = { width: 560, height: 160, left: 36, bottom: 18, gap: 0.25 };

/** Returns the smallest of 1, 2 or 5 times a power of ten that is at least `value`; 1 for 0 and below. */
export function niceCeiling(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) {
    if (step * power >= value) return step * power;
  }
  return 10 * power;
}

/**
 * Lays out one bar per point, left to right, on a scale from 0 to a round maximum, with grid
 * lines at 0, half and max. The half line is left out when it is no whole number, because the
 * charts count runs and credits. A value of 0 gets a bar of height 0.
 */
export function layoutBars(points: readonly { label: string; value: number }[], size: ChartSize = DEFAULT_CHART_SIZE): ChartLayout {
  const max = niceCeiling(Math.max(0, ...points.map((point) => point.value)));
  const plotWidth = size.width - size.left;
  const plotHeight = size.height - size.bottom;
  const slot = points.length === 0 ? 0 : plotWidth / points.length;
  const barWidth = slot * (1 - size.gap);
  const bars = points.map((point, index) => {
    const height = (Math.max(0, point.value) / max) * plotHeight;
    return {
      label: point.label,
      value: point.value,
      x: size.left + index * slot + (slot - barWidth) / 2,
      y: plotHeight - height,
      width: barWidth,
      height,
    };
  });
  const ticks = [0, max / 2, max]
    .filter((value) => Number.isInteger(value))
    .map((value) => ({ value, y: plotHeight - (value / max) * plotHeight }));
  return { bars, ticks, max };
}

/** Totals of a daily series, for the figures above the charts. */
export function sumSeries<T>(items: readonly T[], pick: (item: T) => number): number {
  return items.reduce((sum, item) => sum + pick(item), 0);
}

/** Returns the failure rate of a window as a whole percentage, or null without finished runs. */
export function failureRate(items: readonly { succeeded: number; failed: number }[]): number | null {
  const failed = sumSeries(items, (item) => item.failed);
  const finished = failed + sumSeries(items, (item) => item.succeeded);
  return finished === 0 ? null : Math.round((failed / finished) * 100);
}
