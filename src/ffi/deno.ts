/**
 * The Deno backend: opens liboffheap with `Deno.dlopen` and exposes the symbol table as
 * {@linkcode Native}. Deno's FFI types are declared locally (the subset used here) so that the Bun
 * type check, which has no `Deno` global, can read this file too.
 *
 * @module
 */
import { type Backend, type Native, type NativeType, symbols } from "./symbols.ts";

interface DenoPointerView {
  getArrayBuffer(pointer: unknown, byteLength: number, offset?: number): ArrayBuffer;
}
interface DenoFfi {
  dlopen(path: string, symbols: Record<string, { parameters: string[]; result: string }>): {
    symbols: Record<string, unknown>;
  };
  UnsafePointer: { create(value: bigint): unknown };
  UnsafePointerView: DenoPointerView;
}

function denoType(type: NativeType): string {
  return type;
}

/** Opens the library at `path` in Deno. Throws whatever `Deno.dlopen` throws. */
export function openDeno(path: string): Backend {
  const deno = (globalThis as unknown as { Deno: DenoFfi }).Deno;
  const table: Record<string, { parameters: string[]; result: string }> = {};
  for (const [name, spec] of Object.entries(symbols)) {
    table[name] = { parameters: spec.parameters.map(denoType), result: denoType(spec.result) };
  }
  const library = deno.dlopen(path, table);
  const externalBuffer = (address: number, byteLength: number): ArrayBuffer =>
    deno.UnsafePointerView.getArrayBuffer(deno.UnsafePointer.create(BigInt(address)), byteLength);
  return { runtime: "deno", native: library.symbols as unknown as Native, externalBuffer };
}
