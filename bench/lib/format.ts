/**
 * Number formatting shared by the runner's tables and the report, so both print the same units.
 *
 * @module
 */

/** A byte count with a binary unit: 16 B, 1 KiB, 64 MiB. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1 && value % 1024 === 0) {
    value /= 1024;
    unit++;
  }
  return `${value} ${units[unit]}`;
}

/** A duration given in nanoseconds, with three significant digits: 7.91 ns, 1.23 µs, 4.50 ms. */
export function formatDuration(durationNs: number): string {
  const scales: [number, string][] = [[1e9, "s"], [1e6, "ms"], [1e3, "µs"], [1, "ns"]];
  for (const [scale, unit] of scales) {
    if (durationNs >= scale) return `${(durationNs / scale).toPrecision(3)} ${unit}`;
  }
  return `${durationNs.toPrecision(3)} ns`;
}

/** A ratio such as 0.54×: two significant digits below 0.1, two decimals below 10, fewer above. */
export function formatRatio(ratio: number): string {
  if (ratio < 0.1) return `${Number(ratio.toPrecision(2))}×`; // 0.0031×, never a bare 0.00×
  return `${ratio < 10 ? ratio.toFixed(2) : ratio < 100 ? ratio.toFixed(1) : ratio.toFixed(0)}×`;
}

/** Pads each column of `rows` to its widest cell; the first column is left-aligned, others right. */
export function alignColumns(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  "))
    .join("\n");
}
