/**
 * Draws one benchmark chart as a standalone SVG: horizontal grouped bars, one group per case (a
 * size, say), one bar per subject, on a logarithmic time axis (allocation costs span nanoseconds to
 * milliseconds). offheap's bars are a saturated orange with bold labels; baselines are grey-blue
 * shades, so offheap stands apart at a glance.
 *
 * @module
 */
import { formatDuration } from "../lib/format.ts";

/** One bar: a subject's median in one case, or its failure. */
export interface Bar {
  subject: string;
  offheap: boolean;
  medianNs?: number;
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
}

/** offheap's shades, the first (saturated) for its main subject, then lighter and darker variants. */
const offheapColors = ["#e8590c", "#ffa94d", "#a63c06", "#ffd8a8", "#fd7e14", "#7c2d12"];
const baselineColors = ["#364fc7", "#5c7cfa", "#91a7ff", "#495057", "#868e96", "#adb5bd", "#1098ad"];

const barHeightPx = 13;
const groupGapPx = 12;
const widthPx = 960;
const plotLeftPx = 170;
const plotRightPx = widthPx - 110;

function escapeXml(text: string): string {
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

function text(x: number, y: number, content: string, attributes = ""): string {
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

/**
 * Renders a chart.
 *
 * @param chart The title, axis name and bar groups.
 * @returns The SVG document.
 */
export function renderChart(chart: ChartData): string {
  const values = chart.groups.flatMap((group) => group.bars).map((bar) => bar.medianNs)
    .filter((value): value is number => value !== undefined && value > 0);
  const decadeMin = Math.floor(Math.log10(Math.min(...values, 1e3)));
  const decadeMax = Math.max(decadeMin + 1, Math.ceil(Math.log10(Math.max(...values, 1))));
  const x = (ns: number) =>
    plotLeftPx + (plotRightPx - plotLeftPx) * (Math.log10(ns) - decadeMin) / (decadeMax - decadeMin);

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
      if (bar.medianNs === undefined) {
        parts.push(
          text(plotLeftPx + 4, y + barHeightPx - 3, `${bar.subject}: failed`, `font-size="11" fill="#c92a2a"`),
        );
      } else {
        const end = Math.max(plotLeftPx + 1, x(bar.medianNs));
        const stroke = bar.offheap ? ` stroke="#7f2704" stroke-width="1"` : "";
        parts.push(
          `<rect x="${plotLeftPx}" y="${y + 1}" width="${(end - plotLeftPx).toFixed(1)}" height="${barHeightPx - 2}" ` +
            `fill="${colors.get(bar.subject)}"${stroke}><title>${escapeXml(bar.subject)}: ` +
            `${formatDuration(bar.medianNs)}</title></rect>`,
        );
        parts.push(text(end + 4, y + barHeightPx - 3, formatDuration(bar.medianNs), `font-size="11"${bold}`));
      }
      y += barHeightPx;
    }
    y += groupGapPx;
  }
  const plotBottomPx = y;

  const grid: string[] = [];
  for (let decade = decadeMin; decade <= decadeMax; decade++) {
    const gx = x(10 ** decade);
    grid.push(`<line x1="${gx}" y1="${plotTopPx - 4}" x2="${gx}" y2="${plotBottomPx}" stroke="#ced4da"/>`);
    grid.push(
      text(
        gx,
        plotBottomPx + 18,
        formatDuration(10 ** decade).replace(/\.00|\.0/, ""),
        `font-size="12" text-anchor="middle"`,
      ),
    );
    for (const minor of [2, 5]) {
      if (decade === decadeMax) break;
      const mx = x(minor * 10 ** decade);
      grid.push(`<line x1="${mx}" y1="${plotTopPx - 4}" x2="${mx}" y2="${plotBottomPx}" stroke="#f1f3f5"/>`);
    }
  }
  const heightPx = plotBottomPx + 62;
  const middleY = (plotTopPx + plotBottomPx) / 2;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${widthPx}" height="${heightPx}" viewBox="0 0 ${widthPx} ${heightPx}" ` +
    `font-family="Helvetica, Arial, sans-serif" fill="#212529">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    text(20, 30, chart.title, `font-size="19" font-weight="bold"`),
    text(20, 52, chart.subtitle, `font-size="13" fill="#495057"`),
    key.svg,
    ...grid,
    `<line x1="${plotLeftPx}" y1="${plotTopPx - 4}" x2="${plotLeftPx}" y2="${plotBottomPx}" stroke="#212529"/>`,
    `<line x1="${plotLeftPx}" y1="${plotBottomPx}" x2="${plotRightPx}" y2="${plotBottomPx}" stroke="#212529"/>`,
    ...parts,
    text(
      (plotLeftPx + plotRightPx) / 2,
      plotBottomPx + 44,
      "median time per operation (log scale): shorter is faster",
      `font-size="14" text-anchor="middle"`,
    ),
    text(24, middleY, chart.categoryAxis, `font-size="14" text-anchor="middle" transform="rotate(-90 24 ${middleY})"`),
    `</svg>`,
    "",
  ].join("\n");
}
