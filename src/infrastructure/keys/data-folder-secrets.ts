import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface StoredSecret {
  value: string;
  path: string;
  /** True when this call generated it (first start). */
  created: boolean;
}

/**
 * Secrets the service makes for itself when none is configured, kept in `<dataDir>/keys/`
 * so a restart keeps them: readable by the owner only (0600 files in a 0700 folder), never
 * logged, never in the repository. Two processes starting at once agree on one value:
 * the file is created exclusively, and the loser reads the winner's.
 */
export function loadOrCreateSecret(
  dataDir: string,
  name: string,
  generate: () => string,
): StoredSecret {
  if (!/^[a-z0-9-]+\.[a-z]+$/.test(name)) throw new Error(`invalid secret file name ${name}`);
  const folder = join(dataDir, 'keys');
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const path = join(folder, name);
  try {
    writeFileSync(path, generate(), { mode: 0o600, flag: 'wx' });
    return { value: readFileSync(path, 'utf8'), path, created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  // Tighten a file someone copied in with looser permissions rather than serve from it as is.
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  return { value: readFileSync(path, 'utf8'), path, created: false };
}
