/**
 * The Bun backend: opens liboffheap with `bun:ffi` and exposes the symbol table as
 * {@linkcode Native}. `bun:ffi` is loaded by the caller through a dynamic `import()` so that
 * Deno's type checker and `deno publish` never resolve it; its types are declared locally because
 * bun-types omits `toArrayBuffer`'s context and deallocator parameters.
 *
 * @module
 */
import { type Backend, type Native, type NativeType, symbols } from "./symbols.ts";

/** The subset of `bun:ffi` this backend uses. */
export interface BunFfi {
  dlopen(path: string, symbols: Record<string, { args: string[]; returns: string }>): {
    symbols: Record<string, unknown>;
  };
  toArrayBuffer(pointer: number, byteOffset?: number, byteLength?: number): ArrayBuffer;
}

function bunType(type: NativeType): string {
  return type === "buffer" ? "ptr" : type;
}

/** Opens the library at `path` in Bun, given the `bun:ffi` module. */
export function openBun(ffi: BunFfi, path: string): Backend {
  const table: Record<string, { args: string[]; returns: string }> = {};
  for (const [name, spec] of Object.entries(symbols)) {
    table[name] = { args: spec.parameters.map(bunType), returns: bunType(spec.result) };
  }
  const library = ffi.dlopen(path, table);
  const externalBuffer = (address: number, byteLength: number): ArrayBuffer =>
    ffi.toArrayBuffer(address, 0, byteLength);
  return { runtime: "bun", native: library.symbols as unknown as Native, externalBuffer };
}
