/**
 * Reads the exported function names of a PE32+ DLL (64-bit Windows) from its export directory, so a
 * test can compare the library's real ABI with the Linux library's without `objdump`, which this
 * machine may not have.
 *
 * Only what that needs is parsed: the DOS header's pointer to the PE header, the COFF header (the
 * machine), the optional header's export data directory, and the section table to turn relative
 * virtual addresses into file offsets. A name counts as a function when its address lies in a
 * section that holds code, as the ELF reader keeps functions only.
 *
 * @module
 */
import { readFileSync } from "node:fs";

/** The machine field of a COFF header for each npm CPU name. */
export const PE_MACHINE: Record<string, number> = { x64: 0x8664, arm64: 0xaa64 };

const PE32_PLUS = 0x20b;
const IMAGE_FILE_DLL = 0x2000;
const IMAGE_SCN_CNT_CODE = 0x20;
const IMAGE_SCN_MEM_EXECUTE = 0x20000000;

/** A DLL's machine, whether its header says DLL, and its exported function names, sorted. */
export interface PeExports {
  machine: number;
  isDll: boolean;
  functions: string[];
}

/** Reads `path`; throws for a file that is not a PE32+ image. */
export function peExports(path: string): PeExports {
  const file = readFileSync(path);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (file.toString("latin1", 0, 2) !== "MZ") throw new Error(`${path} has no DOS header`);
  const pe = view.getUint32(0x3c, true);
  if (file.toString("latin1", pe, pe + 4) !== "PE\0\0") throw new Error(`${path} has no PE signature`);
  const coff = pe + 4;
  const machine = view.getUint16(coff, true);
  const sectionCount = view.getUint16(coff + 2, true);
  const optionalBytes = view.getUint16(coff + 16, true);
  const characteristics = view.getUint16(coff + 18, true);
  const optional = coff + 20;
  if (view.getUint16(optional, true) !== PE32_PLUS) throw new Error(`${path} is not PE32+`);
  // PE32+: the data directories start 112 bytes in; entry 0 is the export table.
  const exportRva = view.getUint32(optional + 112, true);
  const sections = Array.from({ length: sectionCount }, (_, index) => {
    const at = optional + optionalBytes + index * 40;
    return {
      virtualAddress: view.getUint32(at + 12, true),
      virtualSize: view.getUint32(at + 8, true),
      rawOffset: view.getUint32(at + 20, true),
      flags: view.getUint32(at + 36, true),
    };
  });
  const sectionOf = (rva: number) =>
    sections.find((s) => rva >= s.virtualAddress && rva < s.virtualAddress + s.virtualSize);
  const offsetOf = (rva: number) => {
    const section = sectionOf(rva);
    if (!section) throw new Error(`${path}: RVA ${rva.toString(16)} is in no section`);
    return rva - section.virtualAddress + section.rawOffset;
  };
  const functions: string[] = [];
  if (exportRva !== 0) {
    const directory = offsetOf(exportRva);
    const nameCount = view.getUint32(directory + 24, true);
    const functionsAt = offsetOf(view.getUint32(directory + 28, true));
    const namesAt = offsetOf(view.getUint32(directory + 32, true));
    const ordinalsAt = offsetOf(view.getUint32(directory + 36, true));
    for (let index = 0; index < nameCount; index++) {
      const nameAt = offsetOf(view.getUint32(namesAt + index * 4, true));
      const name = file.subarray(nameAt, file.indexOf(0, nameAt)).toString("latin1");
      const ordinal = view.getUint16(ordinalsAt + index * 2, true);
      const section = sectionOf(view.getUint32(functionsAt + ordinal * 4, true));
      if (section && (section.flags & (IMAGE_SCN_CNT_CODE | IMAGE_SCN_MEM_EXECUTE)) !== 0) functions.push(name);
    }
  }
  return { machine, isDll: (characteristics & IMAGE_FILE_DLL) !== 0, functions: functions.sort() };
}
