/**
 * A small, fast, seeded pseudo-random generator (sfc32), so that a scale seeded twice gives the
 * same rows, ids included, and benchmark runs on two seedings are comparable.
 */
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 16; i++) this.u32();
  }

  /** An independent stream for one concern (so adding rows to one table does not shift another). */
  fork(label: string): Prng {
    let h = 2166136261;
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 16777619);
    return new Prng((this.u32() ^ h) >>> 0);
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** [0, 1) */
  next(): number {
    return this.u32() / 4294967296;
  }

  /** Integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Index drawn with the given (not necessarily normalised) weights. */
  weighted(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) total += w;
    let r = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i];
      if (r < 0) return i;
    }
    return weights.length - 1;
  }

  /** `count` distinct items, in random order. */
  sample<T>(items: readonly T[], count: number): T[] {
    const copy = items.slice();
    const n = Math.min(count, copy.length);
    for (let i = 0; i < n; i++) {
      const j = i + Math.floor(this.next() * (copy.length - i));
      [copy[i], copy[j]] = [copy[j], copy[i]];
    }
    return copy.slice(0, n);
  }

  /** A version-4 shaped UUID from this stream. */
  uuid(): string {
    const x = this.u32();
    const y = this.u32();
    return uuidText(x, y >>> 16, 0x40, y, this.u32(), this.u32());
  }

  /**
   * A version-7 UUID (RFC 9562) for the moment `ms` (Unix milliseconds), its other 74 bits
   * from this stream: the shape of the app's ids of attendance records and events
   * (src/infrastructure/database/time-ordered-id.ts), so seeded indexes on them are ordered by
   * time as production's are, and the app's new ids append after them.
   */
  uuid7(ms: number): string {
    // As many draws as uuid(), so the stream's later draws (the rest of the rows) are unchanged.
    this.u32();
    const y = this.u32();
    return uuidText(Math.floor(ms / 0x10000), ms % 0x10000, 0x70, y, this.u32(), this.u32());
  }

  hex(bytes: number): string {
    let out = '';
    for (let i = 0; i < bytes; i++) out += HEX[this.u32() & 255];
    return out;
  }
}

/**
 * The text of a UUID: `first` (32 bits) and `second` (16 bits) as its first two groups, then
 * the `version` nibble over 12 bits of `y`, the RFC 4122 variant over 14 bits of `z`, and the
 * last 48 bits from `z` and `w`.
 */
function uuidText(
  first: number,
  second: number,
  version: number,
  y: number,
  z: number,
  w: number,
): string {
  return (
    HEX[(first >>> 24) & 255] +
    HEX[(first >>> 16) & 255] +
    HEX[(first >>> 8) & 255] +
    HEX[first & 255] +
    '-' +
    HEX[(second >>> 8) & 255] +
    HEX[second & 255] +
    '-' +
    HEX[version | ((y >>> 8) & 15)] +
    HEX[y & 255] +
    '-' +
    HEX[0x80 | ((z >>> 24) & 63)] +
    HEX[(z >>> 16) & 255] +
    '-' +
    HEX[(z >>> 8) & 255] +
    HEX[z & 255] +
    HEX[w >>> 24] +
    HEX[(w >>> 16) & 255] +
    HEX[(w >>> 8) & 255] +
    HEX[w & 255]
  );
}
