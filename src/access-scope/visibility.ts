/** Moved to src/privacy/; this re-export goes once the branches written against it are merged. */
export * from '../privacy/event-visibility';
export * from '../privacy/visibility';
