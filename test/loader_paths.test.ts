/**
 * The loader's paths on every OS, tested here on Linux: Windows file-URL paths get their drive
 * letter and backslashes back, folders are cut at either separator, and a `bun build --compile`
 * program (modules under `/$bunfs/`, `B:\~BUN\` on Windows) looks beside its executable.
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "./harness.ts";
import { compiledExecutableFolder, folderOf, nativePath } from "../src/ffi/paths.ts";
import { currentPlatform, LIBRARY_FILE_NAMES, PREBUILT_PLATFORMS } from "../src/ffi/platform.ts";

test("nativePath gives a Windows file URL's path its drive letter and backslashes, and leaves POSIX paths alone", () => {
  const url = new URL("file:///C:/Users/me/app/node_modules/@offheap/win32-x64/offheap.dll");
  assert.equal(
    nativePath(decodeURIComponent(url.pathname)),
    "C:\\Users\\me\\app\\node_modules\\@offheap\\win32-x64\\offheap.dll",
  );
  assert.equal(
    nativePath("/home/me/app/node_modules/@offheap/linux-x64-gnu/liboffheap.so"),
    "/home/me/app/node_modules/@offheap/linux-x64-gnu/liboffheap.so",
  );
  assert.equal(nativePath("/Users/me/C:/x"), "/Users/me/C:/x");
});

test("folderOf cuts at the last separator of either kind", () => {
  assert.equal(
    folderOf("C:\\Users\\me\\node_modules\\@offheap\\win32-x64\\package.json"),
    "C:\\Users\\me\\node_modules\\@offheap\\win32-x64\\",
  );
  assert.equal(
    folderOf("/opt/app/node_modules/@offheap/darwin-arm64/package.json"),
    "/opt/app/node_modules/@offheap/darwin-arm64/",
  );
  assert.equal(folderOf("app"), "");
});

test("compiledExecutableFolder: beside the executable for modules embedded by bun build --compile, nothing otherwise", () => {
  assert.equal(compiledExecutableFolder("file:///$bunfs/root/app", "/srv/tools/app"), "/srv/tools/");
  assert.equal(compiledExecutableFolder("file:///B:/~BUN/root/app.exe", "C:\\tools\\app.exe"), "C:\\tools\\");
  assert.equal(compiledExecutableFolder("file:///%24bunfs/root/app", "/srv/tools/app"), "/srv/tools/");
  assert.equal(compiledExecutableFolder("file:///home/me/offheap/src/ffi/load.ts", "/usr/bin/bun"), undefined);
  assert.equal(
    compiledExecutableFolder("https://jsr.io/@offheap/offheap/0.1.0/src/ffi/load.ts", "/usr/bin/deno"),
    undefined,
  );
  assert.equal(compiledExecutableFolder("file:///$bunfs/root/app", undefined), undefined);
});

test("every prebuilt platform's library has its OS's file name, and this platform is one of them", () => {
  const names = PREBUILT_PLATFORMS.map((key) => LIBRARY_FILE_NAMES[key.split("-")[0]] ?? "liboffheap.so");
  assert.deepEqual([...new Set(names)].sort(), ["liboffheap.dylib", "liboffheap.so", "offheap.dll"]);
  const platform = currentPlatform();
  assert.ok(PREBUILT_PLATFORMS.includes(platform.key), `${platform.key} is prebuilt`);
  assert.equal(platform.fileName, LIBRARY_FILE_NAMES[platform.os] ?? "liboffheap.so");
});
