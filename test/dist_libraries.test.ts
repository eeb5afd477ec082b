/**
 * The npm packages as `npm run build:all` leaves them: one folder per prebuilt platform, every
 * version equal and pinned by the main package, and each library built for its platform (ELF
 * machine, C library, glibc symbol versions at most 2.28, exports exactly src/ffi/symbols.ts).
 * A library that is not built is reported as ignored (`npm test` builds them all first).
 *
 * @module
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { test } from "./harness.ts";
import { exportedFunctions } from "./elf_symbols.ts";
import { symbols } from "../src/ffi/symbols.ts";
import { PREBUILT_PLATFORMS } from "../src/ffi/platform.ts";

const root = decodeURIComponent(new URL("../", import.meta.url).pathname);
const manifest = (path: string) => JSON.parse(readFileSync(root + path, "utf8"));
const GLIBC_MAX = [2, 28];
const ELF_MACHINE: Record<string, number> = { x64: 62, arm64: 183 };

test("npm/: a package per prebuilt platform, every version equal, each pinned by @offheap/offheap", () => {
  const version = manifest("package.json").version;
  const main = manifest("npm/offheap/package.json");
  const folders = readdirSync(root + "npm").filter((name) => name !== "offheap" && existsSync(`${root}npm/${name}/package.json`));
  assert.deepEqual(folders.sort(), [...PREBUILT_PLATFORMS].sort());
  assert.equal(main.name, "@offheap/offheap");
  assert.equal(main.version, version);
  assert.deepEqual(Object.keys(main.exports["."]), ["types", "default"]); // types first
  assert.deepEqual(Object.keys(main.optionalDependencies).sort(), PREBUILT_PLATFORMS.map((key) => `@offheap/${key}`).sort());
  for (const key of PREBUILT_PLATFORMS) {
    const [os, cpu, libc] = key.split("-");
    const platform = manifest(`npm/${key}/package.json`);
    assert.equal(platform.name, `@offheap/${key}`);
    assert.equal(platform.version, version);
    assert.equal(main.optionalDependencies[platform.name], version);
    assert.deepEqual([platform.os, platform.cpu, platform.libc], [[os], [cpu], [libc === "gnu" ? "glibc" : "musl"]]);
    assert.deepEqual(platform.files, ["liboffheap.so"]);
  }
});

for (const key of PREBUILT_PLATFORMS) {
  const path = `${root}npm/${key}/liboffheap.so`;
  const built = existsSync(path);
  test(`npm/${key}/liboffheap.so: its machine and C library, and exactly the symbol table's exports${built ? "" : " (not built: npm run build:all)"}`, () => {
    const [, cpu, libc] = key.split("-");
    const file = readFileSync(path);
    assert.equal(file.readUInt16LE(0x12), ELF_MACHINE[cpu], "ELF e_machine");
    // The dynamic string table holds the NEEDED names and the symbol versions the library asks for.
    const text = file.toString("latin1");
    const glibcVersions = [...text.matchAll(/GLIBC_(\d+)\.(\d+)/g)].map((match) => [Number(match[1]), Number(match[2])]);
    if (libc === "gnu") {
      assert.ok(text.includes("libc.so.6\0"), "NEEDED libc.so.6");
      const newest = glibcVersions.reduce((a, b) => (a[0] * 1000 + a[1] >= b[0] * 1000 + b[1] ? a : b));
      assert.ok(newest[0] * 1000 + newest[1] <= GLIBC_MAX[0] * 1000 + GLIBC_MAX[1], `GLIBC_${newest.join(".")} > 2.28`);
    } else {
      assert.ok(text.includes("\0libc.so\0"), "NEEDED libc.so (musl, linked dynamically)");
      assert.deepEqual(glibcVersions, [], "no glibc symbol versions");
      assert.ok(!text.includes("libc.so.6"), "no glibc NEEDED entry");
    }
    const exported = exportedFunctions(path);
    assert.deepEqual(exported, Object.keys(symbols).sort());
  }, { ignore: !built });
}
