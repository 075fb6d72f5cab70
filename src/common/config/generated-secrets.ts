import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { loadOrCreateSecret } from '../../infrastructure/keys/data-folder-secrets';

/** File names under `<DATA_DIR>/keys/`. */
export const GENERATED_JWT_SECRET_FILE = 'jwt-secret.txt';
export const GENERATED_WEBHOOK_KEY_FILE = 'webhook-secret-key.txt';
export const GENERATED_BOOTSTRAP_PASSWORD_FILE = 'bootstrap-admin-password.txt';

export interface GeneratedSecret {
  value: string;
  /** Absolute path of the owner-only file that keeps it. */
  path: string;
  created: boolean;
}

/**
 * A secret the service makes for itself when it is not configured (never outside
 * DATA_DIR, never a constant in the repository), checked on every load: a truncated or
 * edited file stops the start with its path instead of signing with a weak key.
 */
function loadOrGenerate(
  dataDir: string,
  file: string,
  generate: () => string,
  isWellFormed: (value: string) => boolean,
): GeneratedSecret {
  const stored = loadOrCreateSecret(dataDir, file, generate);
  const value = stored.value.trim();
  const path = resolve(stored.path);
  if (!isWellFormed(value)) {
    throw new Error(
      `${path} does not hold a usable secret (empty or altered): delete it to generate a new one`,
    );
  }
  return { value, path, created: stored.created };
}

/** HS256 secret: 384 random bits, base64url (64 characters). */
export function loadOrGenerateJwtSecret(dataDir: string): GeneratedSecret {
  return loadOrGenerate(
    dataDir,
    GENERATED_JWT_SECRET_FILE,
    () => randomBytes(48).toString('base64url'),
    (value) => /^[A-Za-z0-9_-]{64}$/.test(value),
  );
}

/** AES-256-GCM key for webhook secrets at rest: 32 random bytes, base64. */
export function loadOrGenerateWebhookKey(dataDir: string): GeneratedSecret {
  return loadOrGenerate(
    dataDir,
    GENERATED_WEBHOOK_KEY_FILE,
    () => randomBytes(32).toString('base64'),
    (value) => /^[A-Za-z0-9+/]{43}=$/.test(value),
  );
}

/** The bootstrap admin's password: 144 random bits, base64url (24 characters). */
export function loadOrGenerateBootstrapPassword(dataDir: string): GeneratedSecret {
  return loadOrGenerate(
    dataDir,
    GENERATED_BOOTSTRAP_PASSWORD_FILE,
    () => randomBytes(18).toString('base64url'),
    (value) => /^[A-Za-z0-9_-]{24}$/.test(value),
  );
}
