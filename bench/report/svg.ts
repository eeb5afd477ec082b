/**
 * Draws one benchmark chart as a standalone SVG: horizontal grouped bars, one group per case (a
 * size, say), one bar per subject, on a logarithmic time axis (allocation costs span nanoseconds to
 * milliseconds), or on a linear percent axis for a chart of fractions (hit rates). offheap's bars
 * are a saturated orange with bold labels; baselines are grey-blue shades, so offheap stands apart
 * at a glance.
 *
 * @module
 */
import { formatDuration } from "../lib/format.ts";

/** One bar: a subject's median in one case (or its fraction, in a percent chart), or its failure. */
export interface Bar {
  subject: string;
  offheap: boolean;
  value?: number;
}

/** One group of bars: one case. */
export interface BarGroup {
  label: string;
  bars: Bar[];
}

/** Everything a chart shows. */
export interface ChartData {
  title: string;
  subtitle: string;
  /** What the group labels are ("block size"). */
  categoryAxis: string;
  groups: BarGroup[];
  /** The bars are fractions, drawn as percentages on a linear axis (longer is better). */
  percent?: boolean;
  /** A line under the chart, e.g. a data set's citation. */
  note?: string;
}

/** Where values go on the plot, the axis ticks, and how bar values and the axis are labelled. */
interface Axis {
  x(value: number): number;
  ticks: { value: number; label: string }[];
  minorTicks: number[];
  format(value: number): string;
  caption: string;
}

function timeAxis(values: number[]): Axis {
  const decadeMin = Math.floor(Math.log10(Math.min(...values, 1e3)));
  const decadeMax = Math.max(decadeMin + 1, Math.ceil(Math.log10(Math.max(...values, 1))));
  const ticks: Axis["ticks"] = [];
  const minorTicks: number[] = [];
  for (let decade = decadeMin; decade <= decadeMax; decade++) {
    ticks.push({ value: 10 ** decade, label: formatDuration(10 ** decade).replace(/\.00|\.0/, "") });
    if (decade < decadeMax) minorTicks.push(2 * 10 ** decade, 5 * 10 ** decade);
  }
  return {
    x: (ns) => plotLeftPx + (plotRightPx - plotLeftPx) * (Math.log10(ns) - decadeMin) / (decadeMax - decadeMin),
    ticks,
    minorTicks,
    format: formatDuration,
    caption: "median time per operation (log scale): shorter is faster",
  };
}

function percentAxis(values: number[]): Axis {
  const top = Math.min(1, Math.max(0.1, Math.ceil(Math.max(...values, 0) * 10) / 10));
  const step = top > 0.5 ? 0.1 : 0.05;
  const ticks: Axis["ticks"] = [];
  for (let value = 0; value <= top + 1e-9; value += step) ticks.push({ value, label: `${Math.round(value * 100)}%` });
  return {
    x: (fraction) => plotLeftPx + (plotRightPx - plotLeftPx) * fraction / top,
    ticks,
    minorTicks: [],
    format: (fraction) => `${(fraction * 100).toFixed(2)}%`,
    caption: "share of requests (linear scale): longer is better",
  };
}

/** offheap's shades, the first (saturated) for its main subject, then lighter and darker variants. */
export const offheapColors = ["#e8590c", "#ffa94d", "#a63c06", "#ffd8a8", "#fd7e14", "#7c2d12"];
/** The baselines' blues and greys. */
export const baselineColors = ["#364fc7", "#5c7cfa", "#91a7ff", "#495057", "#868e96", "#adb5bd", "#1098ad"];

const barHeightPx = 13;
const groupGapPx = 12;
const widthPx = 960;
const plotLeftPx = 170;
const plotRightPx = widthPx - 110;

/** `text` with XML's special characters escaped. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** The color of each subject: offheap's in oranges, baselines in blues and greys, stable per name. */
function subjectColors(groups: BarGroup[]): Map<string, string> {
  const colors = new Map<string, string>();
  let offheap = 0;
  let baseline = 0;
  for (const bar of groups.flatMap((group) => group.bars)) {
    if (colors.has(bar.subject)) continue;
    colors.set(
      bar.subject,
      bar.offheap
        ? offheapColors[offheap++ % offheapColors.length]
        : baselineColors[baseline++ % baselineColors.length],
    );
  }
  return colors;
}

/** A `<text>` element at (`x`, `y`). */
export function text(x: number, y: number, content: string, attributes = ""): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attributes}>${escapeXml(content)}</text>`;
}

/** The legend: one swatch per subject, wrapped onto as many rows as needed. */
function legend(
  colors: Map<string, string>,
  offheapNames: Set<string>,
  topPx: number,
): { svg: string; heightPx: number } {
  const parts: string[] = [];
  let x = plotLeftPx;
  let y = topPx;
  for (const [subject, color] of colors) {
    const label = subject === "offheap" ? `${subject} (this library)` : subject;
    const itemWidth = 26 + label.length * 7.2;
    if (x + itemWidth > widthPx - 20) {
      x = plotLeftPx;
      y += 20;
    }
    parts.push(`<rect x="${x}" y="${y - 11}" width="14" height="14" fill="${color}" rx="2"/>`);
    const weight = offheapNames.has(subject) ? ` font-weight="bold"` : "";
    parts.push(text(x + 19, y, label, `font-size="13"${weight}`));
    x += itemWidth + 14;
  }
  return { svg: parts.join("\n"), heightPx: y - topPx + 20 };
}

/** Splits `note` into lines of at most about `width` characters, at spaces. */
export function wrap(note: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of note.split(" ").filter(Boolean)) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last].length + 1 + word.length <= width) lines[last] += ` ${word}`;
    else lines.push(word);
  }
  return lines;
}

/**
 * A standalone SVG document, as wide as every chart: a white ground, the title and subtitle, then `body`.
 *
 * @returns The SVG text.
 */
export function svgDocument(heightPx: number, title: string, subtitle: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${widthPx}" height="${heightPx}" viewBox="0 0 ${widthPx} ${heightPx}" ` +
    `font-family="Helvetica, Arial, sans-serif" fill="#212529">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    text(20, 30, title, `font-size="19" font-weight="bold"`),
    text(20, 52, subtitle, `font-size="13" fill="#495057"`),
    ...body,
    `</svg>`,
    "",
  ].join("\n");
}

/**
 * Renders a chart.
 *
 * @param chart The title, axis name and bar groups.
 * @returns The SVG document.
 */
export function renderChart(chart: ChartData): string {
  const values = chart.groups.flatMap((group) => group.bars).map((bar) => bar.value)
    .filter((value): value is number => value !== undefined && value > 0);
  const axis = chart.percent ? percentAxis(values) : timeAxis(values);
  const x = axis.x;

  const colors = subjectColors(chart.groups);
  const offheapNames = new Set(
    chart.groups.flatMap((group) => group.bars).filter((b) => b.offheap).map((b) => b.subject),
  );
  const key = legend(colors, offheapNames, 70);
  const plotTopPx = 70 + key.heightPx + 8;
  const parts: string[] = [];
  let y = plotTopPx;
  for (const group of chart.groups) {
    const groupHeightPx = group.bars.length * barHeightPx;
    parts.push(text(plotLeftPx - 10, y + groupHeightPx / 2 + 5, group.label, `font-size="14" text-anchor="end"`));
    for (const bar of group.bars) {
      const bold = bar.offheap ? ` font-weight="bold"` : "";
      if (bar.value === undefined) {
        parts.push(
          text(plotLeftPx + 4, y + barHeightPx - 3, `${bar.subject}: failed`, `font-size="11" fill="#c92a2a"`),
        );
      } else {
        const end = Math.max(plotLeftPx + 1, x(bar.value));
        const stroke = bar.offheap ? ` stroke="#7f2704" stroke-width="1"` : "";
        parts.push(
          `<rect x="${plotLeftPx}" y="${y + 1}" width="${(end - plotLeftPx).toFixed(1)}" height="${barHeightPx - 2}" ` +
            `fill="${colors.get(bar.subject)}"${stroke}><title>${escapeXml(bar.subject)}: ` +
            `${axis.format(bar.value)}</title></rect>`,
        );
        parts.push(text(end + 4, y + barHeightPx - 3, axis.format(bar.value), `font-size="11"${bold}`));
      }
      y += barHeightPx;
    }
    y += groupGapPx;
  }
  const plotBottomPx = y;

  const grid: string[] = [];
  for (const tick of axis.ticks) {
    const gx = x(tick.value);
    grid.push(`<line x1="${gx}" y1="${plotTopPx - 4}" x2="${gx}" y2="${plotBottomPx}" stroke="#ced4da"/>`);
    grid.push(text(gx, plotBottomPx + 18, tick.label, `font-size="12" text-anchor="middle"`));
  }
  for (const minor of axis.minorTicks) {
    const mx = x(minor);
    grid.push(`<line x1="${mx}" y1="${plotTopPx - 4}" x2="${mx}" y2="${plotBottomPx}" stroke="#f1f3f5"/>`);
  }
  const noteLines = wrap(chart.note ?? "", 160);
  const heightPx = plotBottomPx + 62 + 16 * noteLines.length;
  const middleY = (plotTopPx + plotBottomPx) / 2;
  return svgDocument(heightPx, chart.title, chart.subtitle, [
    key.svg,
    ...grid,
    `<line x1="${plotLeftPx}" y1="${plotTopPx - 4}" x2="${plotLeftPx}" y2="${plotBottomPx}" stroke="#212529"/>`,
    `<line x1="${plotLeftPx}" y1="${plotBottomPx}" x2="${plotRightPx}" y2="${plotBottomPx}" stroke="#212529"/>`,
    ...parts,
    text(
      (plotLeftPx + plotRightPx) / 2,
      plotBottomPx + 44,
      axis.caption,
      `font-size="14" text-anchor="middle"`,
    ),
    ...noteLines.map((line, i) => text(20, plotBottomPx + 70 + 16 * i, line, `font-size="11" fill="#495057"`)),
    text(24, middleY, chart.categoryAxis, `font-size="14" text-anchor="middle" transform="rotate(-90 24 ${middleY})"`),
  ]);
}
