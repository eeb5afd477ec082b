/**
 * Draws a recall/QPS chart as a standalone SVG, the way ann-benchmarks plots them: recall@10 on a
 * linear x axis, queries per second on a logarithmic y axis, one line per library through its `ef`
 * points (up and to the right is better), a dashed line at the target recall. offheap's line is
 * the saturated orange of the bar charts (bench/report/svg.ts), the peers' blues.
 *
 * @module
 */
import { baselineColors, escapeXml, offheapColors, svgDocument, text, wrap } from "./svg.ts";

/** One library's curve. */
export interface CurveSeries {
  subject: string;
  offheap: boolean;
  points: { ef: number; recall: number; qps: number }[];
}

/** Everything a curve chart shows. */
export interface CurveChart {
  title: string;
  subtitle: string;
  series: CurveSeries[];
  /** A vertical dashed line here (the recall the QPS target is read at). */
  targetRecall: number;
  note?: string;
}

const widthPx = 960; // svgDocument's width
const heightPx = 560;
const left = 90;
const right = widthPx - 40;
const top = 100;
const bottom = heightPx - 90;

function formatQps(qps: number): string {
  return qps >= 1e6 ? `${qps / 1e6}M` : qps >= 1e3 ? `${qps / 1e3}k` : `${qps}`;
}

/**
 * Renders a curve chart.
 *
 * @returns The SVG document.
 */
export function renderCurveChart(chart: CurveChart): string {
  const points = chart.series.flatMap((series) => series.points);
  const recallMin = Math.max(
    0,
    Math.floor(Math.min(...points.map((p) => p.recall), chart.targetRecall) * 20) / 20 - 0.05,
  );
  const decadeMin = Math.floor(Math.log10(Math.min(...points.map((p) => p.qps))));
  const decadeMax = Math.max(decadeMin + 1, Math.ceil(Math.log10(Math.max(...points.map((p) => p.qps)))));
  const x = (recall: number) => left + (right - left) * (recall - recallMin) / (1 - recallMin);
  const y = (qps: number) => bottom - (bottom - top) * (Math.log10(qps) - decadeMin) / (decadeMax - decadeMin);
  const parts: string[] = [];
  for (let tick = Math.ceil(recallMin * 20) / 20; tick <= 1 + 1e-9; tick += 0.05) {
    parts.push(`<line x1="${x(tick)}" y1="${top}" x2="${x(tick)}" y2="${bottom}" stroke="#e9ecef"/>`);
    parts.push(text(x(tick), bottom + 18, tick.toFixed(2), `font-size="12" text-anchor="middle"`));
  }
  for (let decade = decadeMin; decade <= decadeMax; decade++) {
    for (const factor of [1, 2, 5]) {
      const qps = factor * 10 ** decade;
      if (decade === decadeMax && factor > 1) continue;
      parts.push(
        `<line x1="${left}" y1="${y(qps)}" x2="${right}" y2="${y(qps)}" stroke="${
          factor === 1 ? "#ced4da" : "#f1f3f5"
        }"/>`,
      );
      if (factor === 1) parts.push(text(left - 8, y(qps) + 4, formatQps(qps), `font-size="12" text-anchor="end"`));
    }
  }
  const target = x(chart.targetRecall);
  parts.push(
    `<line x1="${target}" y1="${top}" x2="${target}" y2="${bottom}" stroke="#c92a2a" stroke-dasharray="6 4"/>`,
  );
  parts.push(text(target + 4, top + 12, `recall ${chart.targetRecall}`, `font-size="11" fill="#c92a2a"`));
  let offheap = 0;
  let baseline = 0;
  chart.series.forEach((series, i) => {
    const color = series.offheap
      ? offheapColors[offheap++ % offheapColors.length]
      : baselineColors[baseline++ % baselineColors.length];
    const path = series.points.map((p) => `${x(p.recall).toFixed(1)},${y(p.qps).toFixed(1)}`).join(" ");
    const width = series.offheap ? 3 : 2;
    parts.push(`<polyline points="${path}" fill="none" stroke="${color}" stroke-width="${width}"/>`);
    for (const p of series.points) {
      parts.push(
        `<circle cx="${x(p.recall).toFixed(1)}" cy="${y(p.qps).toFixed(1)}" r="3.5" fill="${color}">` +
          `<title>${escapeXml(series.subject)} ef=${p.ef}: recall ${p.recall.toFixed(4)}, ${
            p.qps.toFixed(0)
          } QPS</title></circle>`,
      );
    }
    const legendX = left + 10 + i * 220;
    parts.push(`<rect x="${legendX}" y="${70 - 11}" width="14" height="14" fill="${color}" rx="2"/>`);
    const label = series.offheap ? `${series.subject} (this library)` : series.subject;
    parts.push(text(legendX + 19, 70, label, `font-size="13"${series.offheap ? ` font-weight="bold"` : ""}`));
  });
  const noteLines = wrap(chart.note ?? "", 150);
  const total = heightPx + 16 * noteLines.length;
  const middle = (top + bottom) / 2;
  return svgDocument(total, chart.title, chart.subtitle, [
    ...parts,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="#212529"/>`,
    `<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="#212529"/>`,
    text(
      (left + right) / 2,
      bottom + 42,
      "recall@10 (linear): further right is more accurate",
      `font-size="14" text-anchor="middle"`,
    ),
    text(
      24,
      middle,
      "queries per second, one thread (log): higher is faster",
      `font-size="14" text-anchor="middle" transform="rotate(-90 24 ${middle})"`,
    ),
    ...noteLines.map((line, i) => text(20, heightPx - 20 + 16 * i, line, `font-size="11" fill="#495057"`)),
  ]);
}
