/**
 * The npm packages as `npm run build:all` leaves them: one folder per prebuilt platform, every
 * version equal and pinned by the main package, and each library built for its platform: the Linux
 * ones (ELF machine, C library, glibc symbol versions at most 2.28, exports exactly
 * src/ffi/symbols.ts), the macOS ones (Mach-O dylib of the right CPU for macOS 11 and later, the
 * symbol table and the export trie both exporting exactly the Linux library's names) and the Windows one (PE32+ DLL of the right
 * machine, its export directory naming exactly the Linux library's functions, plus the two the MinGW
 * C runtime always exports). A library that is not built is reported as ignored (`npm test` builds
 * them all first).
 *
 * @module
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { test } from "./harness.ts";
import { exportedFunctions } from "./elf_symbols.ts";
import { MACHO_CPU, MACHO_DYLIB, machOExports } from "./macho_symbols.ts";
import { PE_MACHINE, peExports } from "./pe_symbols.ts";
import { symbols } from "../src/ffi/symbols.ts";
import { LIBRARY_FILE_NAMES, PREBUILT_PLATFORMS } from "../src/ffi/platform.ts";

const root = decodeURIComponent(new URL("../", import.meta.url).pathname);
const manifest = (path: string) => JSON.parse(readFileSync(root + path, "utf8"));
const GLIBC_MAX = [2, 28];
const ELF_MACHINE: Record<string, number> = { x64: 62, arm64: 183 };
/** What the MinGW C runtime Zig links into every DLL exports besides the library's own functions. */
const MINGW_RUNTIME_EXPORTS = ["_CRT_INIT", "atexit"];
const LINUX_PLATFORMS = PREBUILT_PLATFORMS.filter((key) => key.startsWith("linux-"));
const OTHER_PLATFORMS = PREBUILT_PLATFORMS.filter((key) => !key.startsWith("linux-"));
const fileNameOf = (key: string) => LIBRARY_FILE_NAMES[key.split("-")[0]] ?? "liboffheap.so";
/** The Linux x64 library's exports: what every other platform's library must export too. */
function linuxExports(): string[] | undefined {
  const path = `${root}npm/linux-x64-gnu/liboffheap.so`;
  return existsSync(path) ? exportedFunctions(path) : undefined;
}

test("npm/: a package per prebuilt platform, every version equal, each pinned by @offheap/offheap", () => {
  const version = manifest("package.json").version;
  const main = manifest("npm/offheap/package.json");
  const folders = readdirSync(root + "npm").filter((name) =>
    name !== "offheap" && existsSync(`${root}npm/${name}/package.json`)
  );
  assert.deepEqual(folders.sort(), [...PREBUILT_PLATFORMS].sort());
  assert.equal(main.name, "@offheap/offheap");
  assert.equal(main.version, version);
  assert.deepEqual(Object.keys(main.exports["."]), ["types", "default"]); // types first
  assert.deepEqual(
    Object.keys(main.optionalDependencies).sort(),
    PREBUILT_PLATFORMS.map((key) => `@offheap/${key}`).sort(),
  );
  for (const key of PREBUILT_PLATFORMS) {
    const [os, cpu, libc] = key.split("-");
    const platform = manifest(`npm/${key}/package.json`);
    assert.equal(platform.name, `@offheap/${key}`);
    assert.equal(platform.version, version);
    assert.equal(main.optionalDependencies[platform.name], version);
    if (os === "linux") {
      assert.deepEqual([platform.os, platform.cpu, platform.libc], [[os], [cpu], [libc === "gnu" ? "glibc" : "musl"]]);
    } else {
      assert.deepEqual([platform.os, platform.cpu, platform.libc], [[os], [cpu], undefined]);
    }
    assert.deepEqual(platform.files, [fileNameOf(key)]);
  }
});

for (const key of OTHER_PLATFORMS) {
  const path = `${root}npm/${key}/${fileNameOf(key)}`;
  const built = existsSync(path) && linuxExports() !== undefined;
  const format = key.startsWith("darwin-") ? "Mach-O dylib" : "PE32+ DLL";
  test(
    `npm/${key}/${fileNameOf(key)}: a ${format} for its CPU, exporting exactly the Linux library's functions${
      built ? "" : " (not built: npm run build:all)"
    }`,
    () => {
      const cpu = key.split("-")[1];
      const expected = linuxExports()!;
      assert.deepEqual(expected, Object.keys(symbols).sort());
      if (key.startsWith("darwin-")) {
        const library = machOExports(path);
        assert.equal(library.cpuType, MACHO_CPU[cpu], "Mach-O cputype");
        assert.equal(library.fileType, MACHO_DYLIB, "Mach-O filetype MH_DYLIB");
        assert.deepEqual(
          library.buildVersion,
          { platform: 1, minOs: "11.0" },
          "LC_BUILD_VERSION: macOS, 11.0 at the oldest",
        );
        assert.deepEqual(library.symbolTable, expected, "symbol table");
        assert.deepEqual(library.exportTrie, expected, "export trie");
      } else {
        const library = peExports(path);
        assert.equal(library.machine, PE_MACHINE[cpu], "COFF machine");
        assert.ok(library.isDll, "IMAGE_FILE_DLL");
        assert.deepEqual(library.functions, [...expected, ...MINGW_RUNTIME_EXPORTS].sort(), "export directory");
      }
    },
    { ignore: !built },
  );
}

for (const key of LINUX_PLATFORMS) {
  const path = `${root}npm/${key}/liboffheap.so`;
  const built = existsSync(path);
  test(
    `npm/${key}/liboffheap.so: its machine and C library, and exactly the symbol table's exports${
      built ? "" : " (not built: npm run build:all)"
    }`,
    () => {
      const [, cpu, libc] = key.split("-");
      const file = readFileSync(path);
      assert.equal(file.readUInt16LE(0x12), ELF_MACHINE[cpu], "ELF e_machine");
      // The dynamic string table holds the NEEDED names and the symbol versions the library asks for.
      const text = file.toString("latin1");
      const glibcVersions = [...text.matchAll(/GLIBC_(\d+)\.(\d+)/g)].map((
        match,
      ) => [Number(match[1]), Number(match[2])]);
      if (libc === "gnu") {
        assert.ok(text.includes("libc.so.6\0"), "NEEDED libc.so.6");
        const newest = glibcVersions.reduce((a, b) => (a[0] * 1000 + a[1] >= b[0] * 1000 + b[1] ? a : b));
        assert.ok(
          newest[0] * 1000 + newest[1] <= GLIBC_MAX[0] * 1000 + GLIBC_MAX[1],
          `GLIBC_${newest.join(".")} > 2.28`,
        );
      } else {
        assert.ok(text.includes("\0libc.so\0"), "NEEDED libc.so (musl, linked dynamically)");
        assert.deepEqual(glibcVersions, [], "no glibc symbol versions");
        assert.ok(!text.includes("libc.so.6"), "no glibc NEEDED entry");
      }
      const exported = exportedFunctions(path);
      assert.deepEqual(exported, Object.keys(symbols).sort());
    },
    { ignore: !built },
  );
}
