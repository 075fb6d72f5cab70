/** Moved to src/privacy/part2.ts; this re-export goes once the branches written against it are merged. */
export * from '../../privacy/part2';
