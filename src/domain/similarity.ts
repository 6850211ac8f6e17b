/** Edit distance between two strings, by code point (so 王芳 vs 王方 is 1). */
export function levenshtein(a: string, b: string): number {
  const s = [...a];
  const t = [...b];
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const current = [i];
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[t.length]!;
}

/** Candidates within a typo's reach of the query, closest first, ties by name. */
export function closestNames(query: string, candidates: Iterable<string>, limit: number): string[] {
  const q = query.toLowerCase();
  const reach = Math.max(1, Math.floor([...q].length / 2));
  const scored = new Map<string, number>();
  for (const name of candidates) {
    const distance = Math.min(levenshtein(q, name.toLowerCase()), ...name.toLowerCase().split(/\s+/).map((part) => levenshtein(q, part)));
    if (distance <= reach) scored.set(name, distance);
  }
  return [...scored.entries()]
    .sort((x, y) => x[1] - y[1] || x[0].localeCompare(y[0]))
    .slice(0, limit)
    .map(([name]) => name);
}
