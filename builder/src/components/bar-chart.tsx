import { DEFAULT_CHART_SIZE, layoutBars } from '../history/daily-chart';

/** Room above the plot, in SVG units, for the label of the top grid line. */
const LABEL_ROOM = 8;

export interface BarChartProps {
  /** Accessible name of the chart. */
  title: string;
  points: { label: string; value: number }[];
  /** Text of one bar's tooltip, such as "2026-03-01: 4 runs". */
  describe: (point: { label: string; value: number }) => string;
  /** Modifier of the bar colour class, such as `runs` or `credits`. */
  tone: string;
}

/** Renders a daily bar chart as plain SVG, with a tooltip per bar and the first and last day under the axis. */
export function BarChart({ title, points, describe, tone }: BarChartProps) {
  const size = DEFAULT_CHART_SIZE;
  const layout = layoutBars(points, size);
  const plotBottom = size.height - size.bottom;
  const first = layout.bars[0];
  const last = layout.bars[layout.bars.length - 1];
  return (
    <svg className={`bar-chart bar-chart--${tone}`} viewBox={`0 ${-LABEL_ROOM} ${size.width} ${size.height + LABEL_ROOM}`} role="img" aria-label={title} data-testid={`chart-${tone}`}>
      {layout.ticks.map((tick) => (
        <g key={tick.value} className="bar-chart__tick">
          <line x1={size.left} x2={size.width} y1={tick.y} y2={tick.y} />
          <text x={size.left - 4} y={tick.y + 4} textAnchor="end">
            {tick.value}
          </text>
        </g>
      ))}
      {layout.bars.map((bar) => (
        <rect key={bar.label} className="bar-chart__bar" x={bar.x} y={bar.y} width={bar.width} height={bar.height} data-value={bar.value}>
          <title>{describe(bar)}</title>
        </rect>
      ))}
      {first !== undefined && (
        <text className="bar-chart__label" x={first.x} y={plotBottom + 14}>
          {first.label}
        </text>
      )}
      {last !== undefined && last !== first && (
        <text className="bar-chart__label" x={last.x + last.width} y={plotBottom + 14} textAnchor="end">
          {last.label}
        </text>
      )}
    </svg>
  );
}
