/**
 * Log hygiene over the whole e2e suite: every in-process app of a test file logs, at the most
 * verbose level, into this file's in-memory capture (never the console), and
 * test/support/log-hygiene.setup.ts checks after each test that no captured line holds a
 * JWT or a value the test support registered as sensitive: the passwords and secrets it
 * uses, and the names, dates of birth, signatures and session notes its factories send.
 */

/** Lines written since the last check (checked lines are dropped: the capture stays small). */
let pending = '';
/** Sensitive value -> what it is (named in a failure instead of the value). */
const sensitive = new Map<string, string>();

const JWT = /eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}(\.[A-Za-z0-9_-]*)?/g;

/** The destination of the apps' logs (AppConfig.logDestination). */
export const logCapture = {
  write(chunk: string): void {
    pending += chunk;
  },
};

/** Registers a value the logs must never hold; very short values would only match by chance. */
export function rememberSensitive(kind: string, value: unknown): void {
  if (typeof value === 'string' && value.length >= 4) sensitive.set(value, kind);
}

/** The lines captured since the last call that hold a JWT or a sensitive value, redacted. */
export function takeLogViolations(): string[] {
  const lines = pending.split('\n');
  pending = '';
  const violations: string[] = [];
  for (const line of lines) {
    let redacted = line.replace(JWT, '[a JWT]');
    const found = redacted !== line ? ['a JWT'] : [];
    for (const [value, kind] of sensitive) {
      if (redacted.includes(value)) {
        found.push(kind);
        redacted = redacted.split(value).join(`[${kind}]`);
      }
    }
    if (found.length > 0) {
      violations.push(`${found.join(', ')} in: ${redacted.slice(0, 500)}`);
    }
  }
  return violations;
}
