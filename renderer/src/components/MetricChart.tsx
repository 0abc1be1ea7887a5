// One small time-series chart (uPlot): a single metric over time, e.g. a box's CPU %. Keeps
// one uPlot instance per mount, feeds it new data without rebuilding, and follows the width
// of its container.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './metric-chart.css';

export interface MetricChartProps {
  /** Shown above the chart and used as its accessible name. */
  label: string;
  /** Times in ms since the epoch, ascending. */
  times: number[];
  /** One value per time (null = a gap). */
  values: Array<number | null>;
  /** The unit after the latest value ('%', 'GB'). */
  unit: string;
  /** A fixed top of the y scale (e.g. 100 for a percentage); else it follows the data. */
  max?: number;
  height?: number;
  color?: string;
}

function fmt(v: number | null | undefined, unit: string): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  const n = Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);
  return `${n}${unit === '%' ? ' %' : ` ${unit}`}`;
}

/** One y axis label with its unit, as short as the value allows. */
function axisLabel(v: number, unit: string): string {
  const n = Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) >= 10 ? 0 : Math.abs(v) >= 1 ? 1 : 2);
  return `${n} ${unit}`;
}

export function MetricChart({ label, times, values, unit, max, height = 80, color = '#2563eb' }: MetricChartProps) {
  const holder = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const data: uPlot.AlignedData = [times.map((t) => t / 1000), values];

  useEffect(() => {
    const el = holder.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(120, el.clientWidth),
      height,
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { size: 5 } },
      scales: {
        x: { time: true },
        y: { range: (_u, lo, hi) => [Math.min(0, lo ?? 0), max ?? Math.max(1e-6, (hi ?? 1) * 1.1)] },
      },
      axes: [
        {
          size: 22,
          space: 64, // px between time labels: they never touch
          font: '10px system-ui',
          stroke: '#7a8596',
          grid: { stroke: '#eef1f5' },
          ticks: { show: false },
          // one line: the day past a day's span, hh:mm, or hh:mm:ss for a few minutes
          values: (_u, splits) => {
            const span = splits.length > 1 ? splits[splits.length - 1]! - splits[0]! : 0;
            const o: Intl.DateTimeFormatOptions = span < 600 ? { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false } : { hour: '2-digit', minute: '2-digit', hour12: false };
            return splits.map((s) => {
              const d = new Date(s * 1000);
              return span > 86_400 ? d.toLocaleDateString([], { month: 'short', day: 'numeric' }) : d.toLocaleTimeString([], o);
            });
          },
        },
        {
          size: 44,
          font: '10px system-ui',
          stroke: '#7a8596',
          grid: { stroke: '#eef1f5' },
          ticks: { show: false },
          // every y label carries the unit ("50 %", "1.5 GB"): a bare 0/100 says nothing; the
          // labels drawn are also kept on the plot's element (the canvas hides them from tests and readers)
          values: (_u, splits) => {
            const labels = splits.map((v) => axisLabel(v, unit));
            el.dataset.yTicks = labels.join(' | ');
            return labels;
          },
        },
      ],
      series: [{}, { label, stroke: color, width: 1.5, fill: `${color}22`, points: { show: false }, spanGaps: false }],
    };
    const u = new uPlot(opts, data, el);
    plot.current = u;
    const ro = new ResizeObserver(() => {
      const w = Math.max(120, el.clientWidth);
      if (w !== u.width) u.setSize({ width: w, height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
    // one instance per mount (options that change the chart's shape remount it)
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [height, max, color, label, unit]);

  useEffect(() => {
    plot.current?.setData(data);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [times, values]);

  const last = values.length ? values[values.length - 1] : null;
  return (
    <figure className="metric-chart" role="img" aria-label={`${label}: ${fmt(last, unit)} now, ${times.length} readings`} data-points={times.length}>
      <figcaption>
        <span>{label}</span>
        <span className="metric-now">{fmt(last, unit)}</span>
      </figcaption>
      <div ref={holder} className="metric-plot" />
    </figure>
  );
}
