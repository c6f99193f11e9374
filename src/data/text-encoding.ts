/**
 * Strict UTF-8 for every text file synthlab reads (configs, datasets, label descriptions, prompt
 * templates). Node's decoder turns invalid bytes into U+FFFD without a word, which silently corrupts
 * Latin-1 data; here they are an error naming the line. The messages never quote the file's bytes.
 */
import { isUtf8 } from 'node:buffer';

export class TextEncodingError extends Error {
  constructor(
    /** 1-based line of the first bad byte; 1 for a problem with the whole file. */
    readonly line: number,
    readonly problem: string,
  ) {
    super(`line ${line}: ${problem}`);
    this.name = 'TextEncodingError';
  }
}

const SAVE_AS_UTF8 = 'save it as UTF-8';

/** The UTF-16 byte-order mark the bytes start with, if any. */
function utf16ByteOrder(bytes: Uint8Array): 'little-endian' | 'big-endian' | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'little-endian';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'big-endian';
  return undefined;
}

/** 1-based line of a byte offset. */
function lineOf(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let index = 0; index < offset && index < bytes.length; index += 1) if (bytes[index] === 0x0a) line += 1;
  return line;
}

/**
 * Offset of the first byte that does not start a well-formed UTF-8 sequence (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or -1 when all are well formed.
 */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let index = 0;
  while (index < bytes.length) {
    const lead = bytes[index]!;
    if (lead < 0x80) {
      index += 1;
      continue;
    }
    let length: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) length = 2;
    else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead === 0xe0) low = 0xa0;
      if (lead === 0xed) high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead === 0xf0) low = 0x90;
      if (lead === 0xf4) high = 0x8f;
    } else return index;
    if (index + length > bytes.length) return index;
    const second = bytes[index + 1]!;
    if (second < low || second > high) return index;
    for (let next = 2; next < length; next += 1) {
      const continuation = bytes[index + next]!;
      if (continuation < 0x80 || continuation > 0xbf) return index;
    }
    index += length;
  }
  return -1;
}

/**
 * Checks that bytes are UTF-8 text, with or without a byte-order mark: UTF-16, NUL bytes and
 * invalid UTF-8 are a TextEncodingError that says where and what to do, without the file's bytes.
 */
export function checkUtf8(bytes: Uint8Array): void {
  const byteOrder = utf16ByteOrder(bytes);
  if (byteOrder !== undefined) throw new TextEncodingError(1, `the file is UTF-16 (${byteOrder} byte-order mark), not UTF-8; ${SAVE_AS_UTF8}`);
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    // UTF-16 without a byte-order mark: every other byte of ASCII text is NUL.
    let nulCount = 0;
    const sample = Math.min(bytes.length, 4096);
    for (let index = 0; index < sample; index += 1) if (bytes[index] === 0) nulCount += 1;
    const problem =
      nulCount * 3 >= sample
        ? `the file looks like UTF-16 without a byte-order mark (every other byte is NUL), not UTF-8; ${SAVE_AS_UTF8}`
        : 'NUL byte in the file: a binary file, not text';
    throw new TextEncodingError(lineOf(bytes, nul), problem);
  }
  if (!isUtf8(bytes)) {
    const offset = firstInvalidUtf8Offset(bytes);
    throw new TextEncodingError(
      lineOf(bytes, offset),
      `invalid UTF-8 at byte ${offset} (the file may be Latin-1 or Windows-1252); ${SAVE_AS_UTF8}`,
    );
  }
}

/** The text of a UTF-8 file without its byte-order mark; anything else is a TextEncodingError (see checkUtf8). */
export function decodeUtf8Strict(bytes: Uint8Array): string {
  checkUtf8(bytes);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}
