import { svgEl } from '../dom.js';

export interface Bar {
  /** Option letter, e.g. `A`. */
  key: string;
  label: string;
  value: number;
  /** What is written at the end of the bar, e.g. `12 票 · 40%`. */
  caption: string;
}

export interface BarGeometry {
  key: string;
  y: number;
  width: number;
}

/** Chart sizes in SVG units; the SVG scales to the screen width, so text stays large on phones. */
export const CHART = {
  width: 340,
  labelHeight: 26,
  barHeight: 30,
  gap: 18,
  padding: 6,
} as const;

/** One row per option: the label line, then the bar; the widest bar is the largest value (never 0 wide). */
export function layoutBars(bars: readonly Pick<Bar, 'key' | 'value'>[]): {
  height: number;
  rows: BarGeometry[];
} {
  const max = Math.max(0, ...bars.map((b) => b.value));
  const track = CHART.width - 2 * CHART.padding;
  const row = CHART.labelHeight + CHART.barHeight + CHART.gap;
  const rows = bars.map((b, i) => ({
    key: b.key,
    y: CHART.padding + i * row + CHART.labelHeight,
    width: max > 0 ? Math.max(b.value > 0 ? 4 : 0, (b.value / max) * track) : 0,
  }));
  return { height: CHART.padding * 2 + bars.length * row - CHART.gap, rows };
}

/** Labels longer than this are cut with an ellipsis in the chart; the list below it shows them whole. */
export const LABEL_CHARS = 14;

export const shorten = (text: string, max = LABEL_CHARS): string => {
  const chars = [...text];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : text;
};

/**
 * A horizontal bar chart drawn as plain SVG: one labelled bar per option on a grey track, the count
 * written beside the label, so it reads without colour. `summary` is what screen readers hear.
 */
export function renderBarChart(bars: readonly Bar[], summary: string): SVGSVGElement {
  const { height, rows } = layoutBars(bars);
  const track = CHART.width - 2 * CHART.padding;
  const chart = svgEl('svg', {
    class: 'poll-chart',
    viewBox: `0 0 ${CHART.width} ${height}`,
    role: 'img',
    'aria-label': summary,
  });
  chart.append(svgEl('title', {}, summary));
  bars.forEach((bar, i) => {
    const row = rows[i]!;
    const group = svgEl('g', {
      class: 'poll-chart-row',
      'data-option': bar.key,
      'data-value': bar.value,
    });
    group.append(
      svgEl(
        'text',
        { class: 'poll-chart-label', x: CHART.padding, y: row.y - 8 },
        `${bar.key}. ${shorten(bar.label)}`,
      ),
      svgEl(
        'text',
        { class: 'poll-chart-caption', x: CHART.width - CHART.padding, y: row.y - 8, 'text-anchor': 'end' },
        bar.caption,
      ),
      svgEl('rect', {
        class: 'poll-chart-track',
        x: CHART.padding,
        y: row.y,
        width: track,
        height: CHART.barHeight,
        rx: 6,
      }),
      svgEl('rect', {
        class: 'poll-chart-bar',
        x: CHART.padding,
        y: row.y,
        width: row.width.toFixed(1),
        height: CHART.barHeight,
        rx: 6,
      }),
    );
    chart.append(group);
  });
  return chart;
}
