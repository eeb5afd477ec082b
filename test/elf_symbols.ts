/**
 * Reads the exported function names of an ELF shared library from its dynamic symbol table, so a
 * test can compare the library's real ABI with the facade's symbol table without `nm`.
 *
 * Only what that needs is parsed: the ELF64 little-endian header, the section headers, `.dynsym`
 * and the string table it links to. A symbol counts as exported when it is a defined (section index
 * not 0) global or weak function of default or protected visibility.
 *
 * @module
 */
import { readFileSync } from "node:fs";

const SHT_DYNSYM = 11;
const STT_FUNC = 2;
const STB_GLOBAL = 1;
const STB_WEAK = 2;
const STV_HIDDEN = 2;
const STV_INTERNAL = 1;
const SYMBOL_BYTES = 24;

/** The names of the functions `path` exports, sorted. Throws for a file that is not ELF64 LE. */
export function exportedFunctions(path: string): string[] {
  const file = readFileSync(path);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (view.getUint32(0) !== 0x7f454c46) throw new Error(`${path} is not an ELF file`);
  if (file[4] !== 2 || file[5] !== 1) throw new Error(`${path} is not a 64-bit little-endian ELF file`);
  const sectionsAt = Number(view.getBigUint64(0x28, true));
  const sectionBytes = view.getUint16(0x3a, true);
  const sectionCount = view.getUint16(0x3c, true);
  const section = (index: number) => {
    const at = sectionsAt + index * sectionBytes;
    return {
      type: view.getUint32(at + 4, true),
      offset: Number(view.getBigUint64(at + 0x18, true)),
      size: Number(view.getBigUint64(at + 0x20, true)),
      link: view.getUint32(at + 0x28, true),
    };
  };
  const names: string[] = [];
  for (let index = 0; index < sectionCount; index++) {
    const symbols = section(index);
    if (symbols.type !== SHT_DYNSYM) continue;
    const strings = section(symbols.link);
    for (let at = symbols.offset; at + SYMBOL_BYTES <= symbols.offset + symbols.size; at += SYMBOL_BYTES) {
      const info = view.getUint8(at + 4);
      const visibility = view.getUint8(at + 5) & 3;
      const sectionIndex = view.getUint16(at + 6, true);
      const binding = info >> 4;
      if ((info & 0xf) !== STT_FUNC || sectionIndex === 0) continue;
      if (binding !== STB_GLOBAL && binding !== STB_WEAK) continue;
      if (visibility === STV_HIDDEN || visibility === STV_INTERNAL) continue;
      const nameAt = strings.offset + view.getUint32(at, true);
      names.push(file.subarray(nameAt, file.indexOf(0, nameAt)).toString("latin1"));
    }
  }
  return names.sort();
}
