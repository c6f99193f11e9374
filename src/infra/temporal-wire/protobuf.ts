/**
 * The protobuf wire format, just enough for the few Temporal API messages `sweep status` sends and
 * reads (see workflow-service.ts): a writer for request fields and a reader that keeps every field of
 * a message by number. Fields a reader is not asked for are skipped, as protobuf intends, so a
 * message type is described only by the fields the caller reads.
 */

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

/** Bytes that are not a well-formed message: the server sent something else, or a field was read as the wrong type. */
export class ProtobufDecodeError extends Error {
  override readonly name = 'ProtobufDecodeError';
}

type FieldValue = bigint | Uint8Array;

/** One message's fields by number, each in the order the bytes hold them (repeated fields have several). */
export class ProtoReader {
  private readonly fields = new Map<number, FieldValue[]>();

  constructor(bytes: Uint8Array) {
    let offset = 0;
    const readVarint = (): bigint => {
      let value = 0n;
      for (let shift = 0n; ; shift += 7n) {
        if (offset >= bytes.length || shift > 63n) throw new ProtobufDecodeError('a varint runs past the end of the message');
        const byte = bytes[offset++]!;
        value |= BigInt(byte & 0x7f) << shift;
        if ((byte & 0x80) === 0) return value;
      }
    };
    while (offset < bytes.length) {
      const tag = readVarint();
      const number = Number(tag >> 3n);
      const wireType = Number(tag & 7n);
      let value: FieldValue | undefined;
      if (wireType === WIRE_VARINT) value = readVarint();
      else if (wireType === WIRE_LENGTH_DELIMITED) {
        const length = Number(readVarint());
        if (offset + length > bytes.length) throw new ProtobufDecodeError(`field ${number} is ${length} bytes long, past the end of the message`);
        value = bytes.subarray(offset, offset + length);
        offset += length;
      } else if (wireType === WIRE_FIXED64) offset += 8;
      else if (wireType === WIRE_FIXED32) offset += 4;
      else throw new ProtobufDecodeError(`field ${number} has wire type ${wireType}, which this reader does not know`);
      if (offset > bytes.length) throw new ProtobufDecodeError(`field ${number} runs past the end of the message`);
      if (value === undefined) continue;
      const values = this.fields.get(number);
      if (values) values.push(value);
      else this.fields.set(number, [value]);
    }
  }

  private all(number: number): FieldValue[] {
    return this.fields.get(number) ?? [];
  }

  /** The last occurrence, as protobuf reads a non-repeated field that occurs more than once. */
  private last(number: number): FieldValue | undefined {
    return this.all(number).at(-1);
  }

  private bytesOf(number: number, value: FieldValue): Uint8Array {
    if (typeof value === 'bigint') throw new ProtobufDecodeError(`field ${number} is a number, not bytes, a string or a message`);
    return value;
  }

  private varintOf(number: number, value: FieldValue): bigint {
    if (typeof value !== 'bigint') throw new ProtobufDecodeError(`field ${number} is length-delimited, not a number`);
    return value;
  }

  string(number: number): string {
    const value = this.last(number);
    return value === undefined ? '' : Buffer.from(this.bytesOf(number, value)).toString('utf8');
  }

  bytes(number: number): Uint8Array {
    const value = this.last(number);
    return value === undefined ? new Uint8Array() : this.bytesOf(number, value);
  }

  /** An int32, int64 or enum field as a number (an int64 beyond 2^53 loses precision; none read here gets there). */
  int(number: number): number {
    const value = this.last(number);
    return value === undefined ? 0 : Number(BigInt.asIntN(64, this.varintOf(number, value)));
  }

  bool(number: number): boolean {
    return this.int(number) !== 0;
  }

  has(number: number): boolean {
    return this.fields.has(number);
  }

  /** A message field, or undefined when it is not set. */
  message(number: number): ProtoReader | undefined {
    const value = this.last(number);
    return value === undefined ? undefined : new ProtoReader(this.bytesOf(number, value));
  }

  messages(number: number): ProtoReader[] {
    return this.all(number).map((value) => new ProtoReader(this.bytesOf(number, value)));
  }

  /** A `map<string, V>` field: its entries are messages with the key in field 1 and the value in field 2. */
  map<V>(number: number, value: (entry: ProtoReader) => V): Map<string, V> {
    return new Map(this.messages(number).map((entry) => [entry.string(1), value(entry)]));
  }
}

function varintBytes(value: bigint): number[] {
  const bytes: number[] = [];
  let rest = BigInt.asUintN(64, value);
  while (rest >= 0x80n) {
    bytes.push(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  bytes.push(Number(rest));
  return bytes;
}

/** Builds one message, field by field; a field at its default value (empty, 0, false) is left out, as proto3 does. */
export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];

  private tag(number: number, wireType: number): void {
    this.chunks.push(Uint8Array.from(varintBytes((BigInt(number) << 3n) | BigInt(wireType))));
  }

  private lengthDelimited(number: number, bytes: Uint8Array): this {
    this.tag(number, WIRE_LENGTH_DELIMITED);
    this.chunks.push(Uint8Array.from(varintBytes(BigInt(bytes.length))), bytes);
    return this;
  }

  string(number: number, value: string | undefined): this {
    return value ? this.lengthDelimited(number, Buffer.from(value, 'utf8')) : this;
  }

  bytes(number: number, value: Uint8Array | undefined): this {
    return value && value.length > 0 ? this.lengthDelimited(number, value) : this;
  }

  /** An int32, int64, enum or bool field. */
  int(number: number, value: number | boolean | undefined): this {
    const numeric = typeof value === 'boolean' ? Number(value) : (value ?? 0);
    if (numeric === 0) return this;
    if (!Number.isSafeInteger(numeric)) throw new RangeError(`field ${number}: ${numeric} is not an integer`);
    this.tag(number, WIRE_VARINT);
    this.chunks.push(Uint8Array.from(varintBytes(BigInt(numeric))));
    return this;
  }

  /** A message field, set even when the message is empty. */
  message(number: number, message: ProtoWriter | undefined): this {
    return message ? this.lengthDelimited(number, message.finish()) : this;
  }

  finish(): Uint8Array {
    return Buffer.concat(this.chunks);
  }
}
