/**
 * Seeded randomness for the generator. Every value is a pure function of (seed, stream, row), so
 * any row can be rendered again on its own (a duplicate row is its source row rendered twice) and
 * the same options always give the same bytes. Math.random is never used.
 */

/** Murmur3's 32-bit finaliser: spreads every input bit over the whole word. */
function mix32(value: number): number {
  let h = value >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A mulberry32 generator; `reseed` lets one instance serve millions of rows without allocating. */
export class Rng {
  private state = 0;

  constructor(seed: number) {
    this.state = seed | 0;
  }

  /** Positions the generator at the start of `row` in an independent `stream` of `seed`. */
  reseed(seed: number, stream: number, row: number): this {
    this.state = mix32(mix32(seed ^ Math.imul(stream + 1, 0x9e3779b9)) ^ mix32(row + 0x632be5ab)) | 0;
    return this;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = Math.imul(this.state ^ (this.state >>> 15), 1 | this.state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, bound). */
  int(bound: number): number {
    return Math.floor(this.next() * bound);
  }

  /** Uniform integer in [min, max]. */
  between(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }
}

/**
 * `count` distinct integers from [0, size), in random order: a partial Fisher-Yates shuffle over a
 * virtual array whose moved slots live in a Map, so memory grows with `count`, not with `size`.
 */
export function sampleDistinct(size: number, count: number, rng: Rng): number[] {
  if (count > size) throw new RangeError(`cannot pick ${count} distinct values out of ${size}`);
  const moved = new Map<number, number>();
  const picked: number[] = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    const j = i + rng.int(size - i);
    picked[i] = moved.get(j) ?? j;
    moved.set(j, moved.get(i) ?? i);
  }
  return picked;
}
