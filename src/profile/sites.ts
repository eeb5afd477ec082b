/**
 * Allocation sites: the JavaScript stack at an allocation, with offheap's own frames dropped, so a
 * leak or a hot spot names the caller's file and line. Capturing a stack costs microseconds, so
 * only tracked allocations (`profile.start({ stacks: true })`) and sampled ones pay it.
 *
 * A tracked buffer's site is formatted at once: an unformatted stack keeps its frames' receivers
 * alive, and one of them could hold the buffer, which would then never be collected and never
 * reported as leaked. A sample's stack is formatted later (see hot_spots.ts).
 *
 * @module
 */

/** Frames kept per stack, after offheap's own are dropped. */
const FRAMES_KEPT = 8;
/** Frames captured: offheap's own (up to about 6 deep) plus the ones kept. */
const FRAMES_CAPTURED = FRAMES_KEPT + 8;

/** `Error.stackTraceLimit` is V8's and JavaScriptCore's, not the language's: typed here. */
const errorClass = Error as ErrorConstructor & { stackTraceLimit: number };

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

/**
 * The stack now, not yet formatted: capturing costs about 3 µs in Deno and 1 in Bun, formatting
 * (reading `.stack`, which Deno source-maps) about 70 µs and 4, so sampling formats later.
 */
export function captureStack(): Error {
  const limit = errorClass.stackTraceLimit;
  errorClass.stackTraceLimit = FRAMES_CAPTURED;
  const captured = new Error();
  errorClass.stackTraceLimit = limit;
  return captured;
}

/** The caller's site now (formatted at once: nothing captured is kept). */
export function captureSite(): AllocationSite {
  return siteOf(captureStack());
}

/** The caller's site in a captured stack: offheap's frames and the "Error" header dropped. */
export function siteOf(captured: Error): AllocationSite {
  const text = captured.stack ?? "";
  const frames: string[] = [];
  for (const line of text.split("\n")) {
    if (!/^\s*at\s/.test(line) || isOwnFrame(line)) continue;
    frames.push(line.trim());
    if (frames.length === FRAMES_KEPT) break;
  }
  return { site: frames.length === 0 ? "(unknown)" : locationOf(frames[0]), stack: frames.join("\n") };
}
