/**
 * What the profiler has seen, for people: `profile.report()` as text (now, peak, growth, the top
 * tags and sites, suspected leaks) and `profile.timelineSvg()` as a self-contained SVG chart of the
 * timeline (live bytes per tier, total, RSS).
 *
 * @module
 */
import type { Tier } from "../heap/stats.ts";
import { TIERS } from "../heap/stats.ts";
import type { HotSpot } from "./hot_spots.ts";
import type { LeakEntry } from "./leaks.ts";
import type { TagStats } from "./tags.ts";
import type { TimelineSample } from "./timeline.ts";

/** Everything the report is made of, read by profile.ts. */
export interface ReportInput {
  now: TimelineSample;
  timeline: TimelineSample[];
  tags: Record<string, TagStats>;
  hotSpots: HotSpot[];
  leaks: LeakEntry[];
  leakedTotal: number;
}

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

/** `1536` -> `"1.5 KiB"`. */
export function formatBytes(bytes: number): string {
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const text = unit === 0 ? `${value}` : value.toFixed(value < 10 ? 2 : 1);
  return `${bytes < 0 ? "-" : ""}${text} ${UNITS[unit]}`;
}

/** Growth of the live bytes between the first and last samples, in bytes per second (0 with fewer than 2). */
export function growthRate(timeline: TimelineSample[]): number {
  if (timeline.length < 2) return 0;
  const first = timeline[0];
  const last = timeline[timeline.length - 1];
  const seconds = (last.time - first.time) / 1000;
  return seconds > 0 ? (last.liveBytes - first.liveBytes) / seconds : 0;
}

function peakOf(timeline: TimelineSample[], read: (sample: TimelineSample) => number): number {
  let peak = 0;
  for (const sample of timeline) peak = Math.max(peak, read(sample));
  return peak;
}

/** The text report. */
export function renderReport(input: ReportInput): string {
  const { now, timeline, tags, hotSpots, leaks } = input;
  const lines: string[] = [];
  lines.push(`offheap profile at ${new Date(now.time).toISOString()}`);
  lines.push("");
  lines.push("now");
  lines.push(
    `  live: ${formatBytes(now.liveBytes)} (${
      TIERS.map((tier) => `${tier} ${formatBytes(now.tiers[tier])}`).join(", ")
    })`,
  );
  lines.push(`  rss: ${formatBytes(now.rssBytes)}`);
  if (timeline.length >= 2) {
    const seconds = (timeline[timeline.length - 1].time - timeline[0].time) / 1000;
    lines.push(`  timeline: ${timeline.length} samples over ${seconds.toFixed(1)} s`);
    lines.push(
      `  peak live: ${formatBytes(peakOf(timeline, (sample) => sample.liveBytes))}, peak rss: ${
        formatBytes(peakOf(timeline, (sample) => sample.rssBytes))
      }`,
    );
    lines.push(`  growth: ${formatBytes(growthRate(timeline))}/s`);
    const rates = timeline.slice(1).map((sample) => sample.allocRateBytesPerSecond);
    const mean = rates.reduce((sum, rate) => sum + rate, 0) / rates.length;
    lines.push(`  allocation rate: ${formatBytes(mean)}/s on average, ${formatBytes(Math.max(...rates))}/s at most`);
  } else {
    lines.push("  timeline: none (profile.sample({ intervalMs }) records one)");
  }
  lines.push("");
  const tagNames = Object.keys(tags).sort((a, b) =>
    tags[b].liveBytes - tags[a].liveBytes || tags[b].peakBytes - tags[a].peakBytes
  );
  lines.push(`top tags (${tagNames.length})`);
  for (const name of tagNames.slice(0, 10)) {
    const tag = tags[name];
    lines.push(
      `  ${name}: live ${formatBytes(tag.liveBytes)} in ${tag.liveBlocks} blocks, peak ${
        formatBytes(tag.peakBytes)
      }, ${tag.allocs} allocs, ${tag.frees} frees`,
    );
  }
  lines.push("");
  lines.push(`top sites (${hotSpots.length}, sampled)`);
  for (const spot of hotSpots.slice(0, 10)) {
    lines.push(
      `  ${formatBytes(spot.bytes)} in ~${Math.round(spot.count)} allocs (${spot.samples} samples): ${spot.site}`,
    );
  }
  lines.push("");
  const collected = leaks.filter((leak) => leak.state === "collected");
  const live = leaks.filter((leak) => leak.state === "live");
  lines.push(
    `suspected leaks: ${input.leakedTotal} buffers collected without free(), ${live.length} tracked buffers live`,
  );
  for (const leak of [...collected.slice(0, 10), ...live.slice(0, 10)]) {
    const where = leak.site ?? "(site unknown: profile.start({ stacks: true }) records it)";
    const tag = leak.tag === undefined ? "" : ` [${leak.tag}]`;
    lines.push(`  ${leak.state} ${formatBytes(leak.byteLength)}${tag}, ${leak.ageSeconds.toFixed(1)} s old: ${where}`);
  }
  return lines.join("\n") + "\n";
}

const WIDTH = 720;
const HEIGHT = 320;
const MARGIN = { left: 80, right: 130, top: 30, bottom: 40 };
const SERIES: { name: string; color: string; read: (sample: TimelineSample) => number }[] = [
  { name: "rss", color: "#888888", read: (sample) => sample.rssBytes },
  { name: "live", color: "#000000", read: (sample) => sample.liveBytes },
  ...TIERS.map((tier: Tier, index) => ({
    name: tier,
    color: ["#1f77b4", "#2ca02c", "#ff7f0e", "#d62728"][index],
    read: (sample: TimelineSample) => sample.tiers[tier],
  })),
];

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** The timeline as an SVG document: one line per series, time across, bytes up. */
export function renderTimelineSvg(timeline: TimelineSample[]): string {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const start = timeline.length > 0 ? timeline[0].time : 0;
  const span = Math.max(1, timeline.length > 0 ? timeline[timeline.length - 1].time - start : 1);
  const top = Math.max(1, ...timeline.flatMap((sample) => SERIES.map((series) => series.read(sample))));
  const x = (time: number) => (MARGIN.left + ((time - start) / span) * plotWidth).toFixed(1);
  const y = (bytes: number) => (MARGIN.top + plotHeight - (bytes / top) * plotHeight).toFixed(1);
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="11">`,
  );
  parts.push(`<title>offheap timeline: ${timeline.length} samples</title>`);
  parts.push(`<rect x="0" y="0" width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`);
  parts.push(
    `<line x1="${MARGIN.left}" y1="${MARGIN.top + plotHeight}" x2="${MARGIN.left + plotWidth}" y2="${
      MARGIN.top + plotHeight
    }" stroke="#444444"/>`,
  );
  parts.push(
    `<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${
      MARGIN.top + plotHeight
    }" stroke="#444444"/>`,
  );
  parts.push(
    `<text x="${MARGIN.left - 6}" y="${MARGIN.top + 4}" text-anchor="end">${escapeXml(formatBytes(top))}</text>`,
  );
  parts.push(`<text x="${MARGIN.left - 6}" y="${MARGIN.top + plotHeight}" text-anchor="end">0</text>`);
  parts.push(
    `<text x="${MARGIN.left + plotWidth}" y="${HEIGHT - 12}" text-anchor="end">${
      escapeXml(`${(span / 1000).toFixed(1)} s`)
    }</text>`,
  );
  SERIES.forEach((series, index) => {
    const points = timeline.map((sample) => `${x(sample.time)},${y(series.read(sample))}`).join(" ");
    parts.push(
      `<polyline fill="none" stroke="${series.color}" stroke-width="1.5" points="${points}"><title>${
        escapeXml(series.name)
      }</title></polyline>`,
    );
    const legendY = MARGIN.top + 14 * index;
    parts.push(
      `<text x="${MARGIN.left + plotWidth + 10}" y="${legendY + 4}" fill="${series.color}">${
        escapeXml(series.name)
      }</text>`,
    );
  });
  parts.push(`</svg>`);
  return parts.join("\n") + "\n";
}
