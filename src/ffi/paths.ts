/**
 * The file paths the library loader builds, as each OS spells them: POSIX paths pass through,
 * Windows paths get their drive letter and backslashes back, and a program compiled with
 * `bun build --compile` is told from the URL of its embedded modules. Pure functions, so that the
 * Windows cases are tested on any machine.
 *
 * @module
 */

/**
 * A path built with `/` as the OS spells it: a file URL's path on Windows is `/C:/dir/file`, and
 * the library loader wants `C:\dir\file`. Any other path is returned unchanged.
 *
 * @param path An absolute path with `/` separators.
 * @returns The same path in the OS's own spelling.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nativePath } from "./paths.ts";
 * assert.equal(nativePath("/C:/app/offheap.dll"), "C:\\app\\offheap.dll");
 * assert.equal(nativePath("/usr/lib/liboffheap.so"), "/usr/lib/liboffheap.so");
 * ```
 */
export function nativePath(path: string): string {
  return /^\/[A-Za-z]:\//.test(path) ? path.slice(1).replaceAll("/", "\\") : path;
}

/**
 * The folder of a file path, with its trailing separator (`/` or `\`); empty for a bare name.
 *
 * @param path A file's path, POSIX or Windows.
 * @returns Everything up to and including the last separator.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { folderOf } from "./paths.ts";
 * assert.equal(folderOf("C:\\app\\app.exe"), "C:\\app\\");
 * assert.equal(folderOf("/opt/app/app"), "/opt/app/");
 * ```
 */
export function folderOf(path: string): string {
  return path.slice(0, Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1);
}

/**
 * The folder of the running executable when the module at `moduleUrl` was compiled into it by
 * `bun build --compile`: such modules live in Bun's embedded file system, `/$bunfs/` (`B:\~BUN\` on
 * Windows). Undefined for any other module, or without an executable path.
 *
 * @param moduleUrl The module's `import.meta.url`.
 * @param executablePath `process.execPath`, when the runtime has it.
 * @returns The executable's folder with a trailing separator, or undefined.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compiledExecutableFolder } from "./paths.ts";
 * assert.equal(compiledExecutableFolder("file:///$bunfs/root/app", "/opt/app/app"), "/opt/app/");
 * assert.equal(compiledExecutableFolder("file:///home/me/mod.ts", "/usr/bin/bun"), undefined);
 * ```
 */
export function compiledExecutableFolder(moduleUrl: string, executablePath: string | undefined): string | undefined {
  const url = decodeURIComponent(moduleUrl);
  if (!url.includes("/$bunfs/") && !url.includes("~BUN")) return undefined;
  if (!executablePath) return undefined;
  return folderOf(executablePath);
}
