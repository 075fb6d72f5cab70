import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** Every database the tests create on a real server carries this prefix, and only those are ever dropped. */
export const TEST_DATABASE_PREFIX = 'first_step_test_';
/**
 * Each test run has its own template (named by global setup and passed to the workers through
 * the environment), so two runs against one server never drop each other's databases.
 * Names carry their creation time, so leftovers of crashed runs can be dropped safely later.
 */
export function templateDatabase(): string {
  const name = process.env.FIRST_STEP_TEST_TEMPLATE;
  if (!name)
    throw new Error(
      'FIRST_STEP_TEST_TEMPLATE is not set: run the tests through jest (global setup)',
    );
  return name;
}

export function newTestDatabaseName(kind: 'tpl' | 'db'): string {
  return `${TEST_DATABASE_PREFIX}${Math.floor(Date.now() / 1000)}_${kind}_${randomBytes(4).toString('hex')}`;
}

/** Leftovers older than this are from runs that died without cleaning up. */
export function isStale(name: string, maxAgeSeconds = 3 * 3600): boolean {
  const created = Number(/^first_step_test_(\d+)_/.exec(name)?.[1]);
  return Number.isFinite(created) && Date.now() / 1000 - created > maxAgeSeconds;
}

export function testServerUrl(): string | undefined {
  return process.env.TEST_DATABASE_URL || undefined;
}

export function urlForDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

function assertTestDatabase(name: string): void {
  if (!name.startsWith(TEST_DATABASE_PREFIX) || !/^[a-z0-9_]+$/.test(name)) {
    throw new Error(`refusing to touch database ${name}: not a test database`);
  }
}

export async function withAdminClient<T>(
  serverUrl: string,
  work: (client: Client) => Promise<T>,
): Promise<T> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function dropDatabase(client: Client, name: string): Promise<void> {
  assertTestDatabase(name);
  await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

/** A private database for one test file, copied from the migrated template (fast: no migrations). */
export async function createDatabaseFromTemplate(
  serverUrl: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = newTestDatabaseName('db');
  assertTestDatabase(name);
  await withAdminClient(serverUrl, async (client) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await client.query(`CREATE DATABASE ${name} TEMPLATE ${templateDatabase()}`);
        return;
      } catch (error) {
        // Two files copying the template at the same instant can collide; wait and retry.
        if (attempt >= 10 || !/being accessed by other users/.test(String(error))) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  });
  return {
    url: urlForDatabase(serverUrl, name),
    drop: () => withAdminClient(serverUrl, (client) => dropDatabase(client, name)),
  };
}
