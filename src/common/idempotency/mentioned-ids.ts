/** Anything shaped like a uuid (any version), wherever it sits in a string. */
const UUID_SHAPED = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/**
 * Every id a stored response mentions: each uuid-shaped substring of every string in the JSON
 * (values and property names, at any depth, inside longer strings such as a path too) and of
 * the replayed headers (Location), lower-cased, each once. A sealing withdraws the responses
 * whose `mentions` hold the sealed record's id (IdempotencyStore), so this errs on the side of
 * too many ids: one missed would let a replay bring a sealed record back.
 */
export function mentionedIds(body: unknown, headers: Record<string, string> = {}): string[] {
  const found = new Set<string>();
  const scan = (text: string) => {
    for (const match of text.matchAll(UUID_SHAPED)) found.add(match[0].toLowerCase());
  };
  const walk = (value: unknown): void => {
    if (typeof value === 'string') scan(value);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === 'object') {
      for (const [name, inner] of Object.entries(value)) {
        scan(name);
        walk(inner);
      }
    }
  };
  walk(body);
  Object.values(headers).forEach(scan);
  return [...found];
}
