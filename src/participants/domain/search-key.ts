/** Lower case without accents, so "José" is found by "jose" and "JOS". */
export function searchKey(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .trim();
}

/** LIKE pattern for a prefix search, with LIKE's own wildcards escaped. */
export function prefixPattern(query: string): string {
  return `${searchKey(query).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
