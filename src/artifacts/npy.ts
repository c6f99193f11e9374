/**
 * NumPy `.npy` files of float32 (the ML CLI's teacher probabilities [E, N, C] and embeddings
 * [N, D]): read and written in C order, little-endian. Format:
 * https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 * The header is a Python dict literal; only the three keys numpy writes are understood.
 */

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // "\x93NUMPY"
/** numpy pads the header so the data starts at a multiple of 64 bytes (aligned for any dtype). */
const HEADER_ALIGNMENT = 64;

export interface NpyArray {
  shape: number[];
  data: Float32Array;
}

function fail(message: string): never {
  throw new Error(`not a float32 .npy array: ${message}`);
}

function parseHeader(header: string): { descr: string; fortranOrder: boolean; shape: number[] } {
  const descr = /'descr'\s*:\s*'([^']*)'/u.exec(header)?.[1];
  const fortranOrder = /'fortran_order'\s*:\s*(True|False)/u.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/u.exec(header)?.[1];
  if (descr === undefined || fortranOrder === undefined || shapeText === undefined) {
    fail(`the header ${JSON.stringify(header.trim())} lacks 'descr', 'fortran_order' or 'shape'`);
  }
  const shape = shapeText
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map((part) => {
      const size = Number(part.replace(/L$/u, ''));
      if (!Number.isSafeInteger(size) || size < 0) fail(`the shape (${shapeText}) has the size "${part}"`);
      return size;
    });
  return { descr, fortranOrder: fortranOrder === 'True', shape };
}

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Reads a float32 array from the bytes of a `.npy` file (format versions 1 to 3). The result views
 * `buffer` without copying when the data is aligned and little-endian like the host; otherwise it
 * is a copy. Throws naming what is wrong: not npy, another dtype, Fortran order, a short file.
 */
export function readNpy(buffer: Uint8Array): NpyArray {
  const bytes = Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  if (bytes.length < 10 || !bytes.subarray(0, 6).equals(MAGIC)) fail('it does not start with the magic string \\x93NUMPY');
  const major = bytes[6] as number;
  let headerLength: number;
  let headerStart: number;
  if (major === 1) {
    headerLength = bytes.readUInt16LE(8);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) fail('the file ends inside the header');
    headerLength = bytes.readUInt32LE(8);
    headerStart = 12;
  } else {
    fail(`format version ${major} is not 1, 2 or 3`);
  }
  const dataStart = headerStart + headerLength;
  if (bytes.length < dataStart) fail('the file ends inside the header');
  const { descr, fortranOrder, shape } = parseHeader(bytes.toString(major === 3 ? 'utf8' : 'latin1', headerStart, dataStart));
  if (descr !== '<f4' && descr !== '>f4') fail(`its dtype is '${descr}', expected float32 ('<f4')`);
  if (fortranOrder && shape.length > 1) fail('it is in Fortran order; write it with np.ascontiguousarray');
  const count = shape.reduce((product, size) => product * size, 1);
  const dataBytes = count * 4;
  if (bytes.length - dataStart !== dataBytes) {
    fail(`the shape (${shape.join(', ')}) needs ${dataBytes} data bytes, the file has ${bytes.length - dataStart}`);
  }
  const littleEndian = descr === '<f4';
  const offset = bytes.byteOffset + dataStart;
  if (littleEndian === HOST_IS_LITTLE_ENDIAN && offset % 4 === 0) {
    return { shape, data: new Float32Array(bytes.buffer, offset, count) };
  }
  const view = new DataView(bytes.buffer, offset, dataBytes);
  const data = new Float32Array(count);
  for (let index = 0; index < count; index += 1) data[index] = view.getFloat32(index * 4, littleEndian);
  return { shape, data };
}

/** The header of a float32 C-order `.npy` file of this shape (format 1.0, or 2.0 when it does not fit). */
export function npyHeader(shape: readonly number[]): Buffer {
  for (const size of shape) {
    if (!Number.isSafeInteger(size) || size < 0) throw new Error(`npy shape sizes must be non-negative integers, got [${shape.join(', ')}]`);
  }
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const version = dict.length + 1 + 10 <= 0xffff ? 1 : 2;
  const prefixLength = version === 1 ? 10 : 12;
  const padded = Math.ceil((prefixLength + dict.length + 1) / HEADER_ALIGNMENT) * HEADER_ALIGNMENT;
  const headerText = `${dict}${' '.repeat(padded - prefixLength - dict.length - 1)}\n`;
  const prefix = Buffer.alloc(prefixLength);
  MAGIC.copy(prefix, 0);
  prefix[6] = version;
  prefix[7] = 0;
  if (version === 1) prefix.writeUInt16LE(headerText.length, 8);
  else prefix.writeUInt32LE(headerText.length, 8);
  return Buffer.concat([prefix, Buffer.from(headerText, 'latin1')]);
}

/** The bytes of a float32 C-order `.npy` file holding `data` with this shape. */
export function writeNpy(shape: readonly number[], data: Float32Array): Buffer {
  const header = npyHeader(shape);
  const count = shape.reduce((product, size) => product * size, 1);
  if (count !== data.length) throw new Error(`npy shape [${shape.join(', ')}] holds ${count} values, the data has ${data.length}`);
  const result = Buffer.allocUnsafe(header.length + data.length * 4);
  header.copy(result, 0);
  if (HOST_IS_LITTLE_ENDIAN) {
    Buffer.from(data.buffer, data.byteOffset, data.byteLength).copy(result, header.length);
  } else {
    for (let index = 0; index < data.length; index += 1) result.writeFloatLE(data[index] as number, header.length + index * 4);
  }
  return result;
}
