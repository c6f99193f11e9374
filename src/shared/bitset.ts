/**
 * A fixed-size set of indices as a hex string: 10,000 cells fit in 2,500 characters, small enough
 * to carry through continue-as-new. Pure and workflow-safe (no Buffer).
 */
export class BitSet {
  private readonly bits: Uint8Array;

  constructor(readonly size: number, hex?: string) {
    this.bits = new Uint8Array(Math.ceil(size / 8));
    if (hex === undefined || hex.length === 0) return;
    if (hex.length !== this.bits.length * 2 || !/^[0-9a-f]*$/.test(hex)) {
      throw new Error(`a bit set of ${size} needs ${this.bits.length * 2} hex characters, got ${hex.length}`);
    }
    for (let byte = 0; byte < this.bits.length; byte += 1) this.bits[byte] = Number.parseInt(hex.slice(byte * 2, byte * 2 + 2), 16);
  }

  has(index: number): boolean {
    return ((this.bits[index >> 3] ?? 0) & (1 << (index & 7))) !== 0;
  }

  add(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) throw new RangeError(`index ${index} outside 0..${this.size - 1}`);
    this.bits[index >> 3] = (this.bits[index >> 3] ?? 0) | (1 << (index & 7));
  }

  count(): number {
    let total = 0;
    for (const byte of this.bits) {
      let value = byte;
      while (value) {
        total += value & 1;
        value >>= 1;
      }
    }
    return total;
  }

  toHex(): string {
    let hex = '';
    for (const byte of this.bits) hex += byte.toString(16).padStart(2, '0');
    return hex;
  }
}
