// Seeded randomness for fault injection. Each key gets its own stream, derived from the scenario seed and the key,
// so one key's outcome sequence does not depend on how its calls interleave with other keys' calls.

export type Rng = () => number;

/** mulberry32: a tiny, fast 32-bit PRNG; plenty for "fail 30% of the time", and identical on every platform. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a, 32-bit: turns (seed, key) into a well-spread starting state. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function rngFor(seed: number, key: string): Rng {
  return mulberry32(fnv1a(`${seed}:${key}`));
}
