/**
 * Allocation sites: the JavaScript stack at an allocation, with offheap's own frames dropped, so a
 * leak or a hot spot names the caller's file and line. Capturing a stack costs microseconds, so
 * only tracked allocations (`profile.start({ stacks: true })`) and sampled ones pay it.
 *
 * @module
 */

/** Frames kept per stack, after offheap's own are dropped. */
const FRAMES_KEPT = 8;
/** Frames captured: offheap's own (up to about 6 deep) plus the ones kept. */
const FRAMES_CAPTURED = FRAMES_KEPT + 8;

/** Where an allocation was made. */
export interface AllocationSite {
  /** The first caller's frame outside offheap: `file:line:column` (a URL or a path, as the runtime prints it). */
  site: string;
  /** The caller's frames, innermost first, one per line. */
  stack: string;
}

/** The package's root (the folder holding mod.ts), as a URL and as a path: runtimes print either. */
const packageUrl = new URL("../../", import.meta.url).href;
const packagePath = packageUrl.startsWith("file://") ? decodeURIComponent(new URL(packageUrl).pathname) : packageUrl;
const ownPrefixes = [`${packageUrl}src/`, `${packageUrl}mod.ts`, `${packagePath}src/`, `${packagePath}mod.ts`];

function isOwnFrame(frame: string): boolean {
  for (const prefix of ownPrefixes) if (frame.includes(prefix)) return true;
  return false;
}

/** The `file:line:column` of a stack line ("at f (file:…:1:2)" or "at file:…:1:2"). */
function locationOf(frame: string): string {
  const trimmed = frame.trim().replace(/^at\s+/, "");
  const open = trimmed.lastIndexOf("(");
  if (open >= 0 && trimmed.endsWith(")")) return trimmed.slice(open + 1, -1);
  return trimmed;
}

/** The caller's site: the stack now, with offheap's frames and the "Error" header dropped. */
export function captureSite(): AllocationSite {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = FRAMES_CAPTURED;
  const text = new Error().stack ?? "";
  Error.stackTraceLimit = limit;
  const frames: string[] = [];
  for (const line of text.split("\n")) {
    if (!/^\s*at\s/.test(line) || isOwnFrame(line)) continue;
    frames.push(line.trim());
    if (frames.length === FRAMES_KEPT) break;
  }
  return { site: frames.length === 0 ? "(unknown)" : locationOf(frames[0]), stack: frames.join("\n") };
}
