/**
 * Reads the exported function names of a Mach-O dylib (64-bit, little-endian: arm64 and x86-64
 * macOS), so a test can compare the library's real ABI with the Linux library's without `nm`, which
 * this machine may not have.
 *
 * Two independent tables are read and must agree: the symbol table (`LC_SYMTAB` entries of the
 * external-defined range `LC_DYSYMTAB` names, kept when they lie in the `__TEXT,__text` section, as
 * the ELF reader keeps functions) and the export trie dyld really looks names up in
 * (`LC_DYLD_INFO(_ONLY)` or `LC_DYLD_EXPORTS_TRIE`), of which the names of code are kept. Mach-O
 * spells C names with a leading underscore; it is removed.
 *
 * @module
 */
import { readFileSync } from "node:fs";

/** The CPU types of a Mach-O header (mach/machine.h). */
export const MACHO_CPU: Record<string, number> = { x64: 0x01000007, arm64: 0x0100000c };

const MH_MAGIC_64 = 0xfeedfacf;
const MH_DYLIB = 6;
const LC_SEGMENT_64 = 0x19;
const LC_SYMTAB = 0x2;
const LC_DYSYMTAB = 0xb;
const LC_DYLD_INFO = 0x22;
const LC_DYLD_INFO_ONLY = 0x80000022;
const LC_DYLD_EXPORTS_TRIE = 0x80000033;
const LC_BUILD_VERSION = 0x32;
const N_EXT = 0x01;
const N_TYPE = 0x0e;
const N_SECT = 0x0e;
const NLIST_BYTES = 16;
/** Trie nodes visited at most: far above any real library's, so a corrupt trie cannot loop. */
const TRIE_NODES_MAX = 100_000;

/** A Mach-O dylib's header fields and the two export tables, read from `path`. */
export interface MachOExports {
  cpuType: number;
  fileType: number;
  /** Functions in the symbol table's external-defined range, without the leading underscore, sorted. */
  symbolTable: string[];
  /** Names of the export trie whose address lies in `__TEXT,__text`, without the underscore, sorted. */
  exportTrie: string[];
  /** `LC_BUILD_VERSION`'s platform (1: macOS) and oldest OS version ("11.0"), if the command is present. */
  buildVersion?: { platform: number; minOs: string };
}

function cString(file: Buffer, at: number): string {
  return file.subarray(at, file.indexOf(0, at)).toString("latin1");
}

function uleb(file: Buffer, at: number): { value: number; next: number } {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = file[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if ((byte & 0x80) === 0) return { value, next: at };
    if (shift > 63) throw new Error("ULEB128 too long");
  }
}

/** Walks the export trie at [start, start + size): each terminal node's full name and address. */
function trieEntries(file: Buffer, start: number, size: number): { name: string; address: number }[] {
  const entries: { name: string; address: number }[] = [];
  const pending: { offset: number; prefix: string }[] = [{ offset: 0, prefix: "" }];
  for (let visited = 0; pending.length > 0; visited++) {
    if (visited > TRIE_NODES_MAX) throw new Error("export trie has too many nodes");
    const { offset, prefix } = pending.pop()!;
    if (offset >= size) throw new Error(`export trie node at ${offset} is outside the trie`);
    const node = start + offset;
    const terminal = uleb(file, node);
    if (terminal.value > 0) {
      const flags = uleb(file, terminal.next);
      const address = uleb(file, flags.next);
      entries.push({ name: prefix, address: address.value });
    }
    let at = terminal.next + terminal.value;
    const children = file[at++];
    for (let child = 0; child < children; child++) {
      const label = cString(file, at);
      at += label.length + 1;
      const childOffset = uleb(file, at);
      at = childOffset.next;
      pending.push({ offset: childOffset.value, prefix: prefix + label });
    }
  }
  return entries;
}

/** Reads `path`; throws for a file that is not a 64-bit little-endian Mach-O. */
export function machOExports(path: string): MachOExports {
  const file = readFileSync(path);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (view.getUint32(0, true) !== MH_MAGIC_64) throw new Error(`${path} is not a 64-bit little-endian Mach-O file`);
  const cpuType = view.getUint32(4, true);
  const fileType = view.getUint32(12, true);
  const commandCount = view.getUint32(16, true);
  let symtab: { symoff: number; nsyms: number; stroff: number } | undefined;
  let externalDefined: { first: number; count: number } | undefined;
  let trie: { offset: number; size: number } | undefined;
  let buildVersion: { platform: number; minOs: string } | undefined;
  // Sections are numbered from 1 in load-command order; __TEXT,__text holds the code.
  let sectionNumber = 0;
  let textSection = -1;
  let text = { address: 0, size: 0 };
  let imageBase = 0;
  let at = 32;
  for (let index = 0; index < commandCount; index++) {
    const command = view.getUint32(at, true);
    const commandSize = view.getUint32(at + 4, true);
    if (command === LC_SEGMENT_64) {
      if (cString(file, at + 8) === "__TEXT") imageBase = Number(view.getBigUint64(at + 24, true));
      const sections = view.getUint32(at + 64, true);
      for (let section = 0; section < sections; section++) {
        const header = at + 72 + section * 80;
        sectionNumber++;
        if (cString(file, header) === "__text" && cString(file, header + 16) === "__TEXT") {
          textSection = sectionNumber;
          text = {
            address: Number(view.getBigUint64(header + 32, true)),
            size: Number(view.getBigUint64(header + 40, true)),
          };
        }
      }
    } else if (command === LC_SYMTAB) {
      symtab = {
        symoff: view.getUint32(at + 8, true),
        nsyms: view.getUint32(at + 12, true),
        stroff: view.getUint32(at + 16, true),
      };
    } else if (command === LC_DYSYMTAB) {
      externalDefined = { first: view.getUint32(at + 16, true), count: view.getUint32(at + 20, true) };
    } else if (command === LC_DYLD_INFO || command === LC_DYLD_INFO_ONLY) {
      const size = view.getUint32(at + 44, true);
      if (size > 0) trie = { offset: view.getUint32(at + 40, true), size };
    } else if (command === LC_BUILD_VERSION) {
      // minos is encoded as xxxx.yy.zz in nibbles: major << 16 | minor << 8 | patch.
      const minOs = view.getUint32(at + 12, true);
      buildVersion = { platform: view.getUint32(at + 8, true), minOs: `${minOs >>> 16}.${(minOs >>> 8) & 0xff}` };
    } else if (command === LC_DYLD_EXPORTS_TRIE) {
      trie = { offset: view.getUint32(at + 8, true), size: view.getUint32(at + 12, true) };
    }
    at += commandSize;
  }
  if (!symtab || !externalDefined) throw new Error(`${path} has no LC_SYMTAB or LC_DYSYMTAB`);
  if (!trie) throw new Error(`${path} has no export trie`);
  const symbolTable: string[] = [];
  for (let index = externalDefined.first; index < externalDefined.first + externalDefined.count; index++) {
    const entry = symtab.symoff + index * NLIST_BYTES;
    const type = file[entry + 4];
    const section = file[entry + 5];
    if ((type & N_EXT) === 0 || (type & N_TYPE) !== N_SECT || section !== textSection) continue;
    symbolTable.push(cString(file, symtab.stroff + view.getUint32(entry, true)).replace(/^_/, ""));
  }
  // Trie addresses are offsets from the image's start, the __TEXT segment's address.
  const exportTrie = trieEntries(file, trie.offset, trie.size)
    .filter((entry) =>
      imageBase + entry.address >= text.address && imageBase + entry.address < text.address + text.size
    )
    .map((entry) => entry.name.replace(/^_/, ""));
  return { cpuType, fileType, symbolTable: symbolTable.sort(), exportTrie: exportTrie.sort(), buildVersion };
}

/** The file type of a dynamic library in a Mach-O header. */
export const MACHO_DYLIB = MH_DYLIB;
