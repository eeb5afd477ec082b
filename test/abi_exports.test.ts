/**
 * The library's public ABI is exactly the facade's symbol table: every function src/ffi/symbols.ts
 * declares is exported, and nothing else is (internal kernels and helpers stay hidden).
 *
 * @module
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "./harness.ts";
import { exportedFunctions } from "./elf_symbols.ts";
import { library } from "../src/ffi/load.ts";
import { symbols } from "../src/ffi/symbols.ts";

function libraryPath(): string {
  const path = library().path;
  assert.ok(path, "the loaded library has a path");
  return path;
}

test("liboffheap exports exactly the functions of src/ffi/symbols.ts", () => {
  const exported = exportedFunctions(libraryPath());
  const declared = Object.keys(symbols).sort();
  const missing = declared.filter((name) => !exported.includes(name));
  const extra = exported.filter((name) => !declared.includes(name));
  assert.deepEqual({ missing, extra }, { missing: [], extra: [] });
});

test("the ELF reader agrees with nm -D --defined-only where nm is installed", () => {
  let listing: string;
  try {
    listing = execFileSync("nm", ["-D", "--defined-only", libraryPath()], { encoding: "utf8" });
  } catch {
    return; // no binutils on this machine: the reader alone decides the test above
  }
  const functions = listing.split("\n").filter((line) => / [TW] /.test(line)).map((line) => line.split(" ")[2]);
  assert.deepEqual(exportedFunctions(libraryPath()), functions.sort());
});
