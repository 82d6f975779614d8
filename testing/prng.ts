/**
 * A small seeded pseudo-random generator (mulberry32), so a randomized suite prints its seed
 * and the same seed replays the same run.
 */
export type Random = {
  seed: number;
  /** A float in [0, 1). */
  next: () => number;
  /** An integer in [min, max]. */
  int: (min: number, max: number) => number;
  pick: <T>(items: readonly T[]) => T;
  shuffle: <T>(items: T[]) => T[];
};

export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    seed,
    next,
    int,
    pick: (items) => items[int(0, items.length - 1)]!,
    shuffle: (items) => {
      for (let i = items.length - 1; i > 0; i--) {
        const j = int(0, i);
        [items[i], items[j]] = [items[j]!, items[i]!];
      }
      return items;
    },
  };
}

/** The seed from `name` in the environment, or a fresh one. */
export function seedFromEnv(name: string): number {
  const given = process.env[name];
  return given ? Number(given) >>> 0 : Math.floor(Math.random() * 2 ** 32);
}

/** A positive integer from `name` in the environment, or `fallback`. */
export function countFromEnv(name: string, fallback: number): number {
  const given = Number(process.env[name]);
  return Number.isInteger(given) && given > 0 ? given : fallback;
}
