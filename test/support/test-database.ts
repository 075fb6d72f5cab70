import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** Every database the tests create on a real server carries this prefix, and only those are ever dropped. */
export const TEST_DATABASE_PREFIX = 'first_step_test_';
export const TEMPLATE_DATABASE = `${TEST_DATABASE_PREFIX}template`;

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

export async function withAdminClient<T>(serverUrl: string, work: (client: Client) => Promise<T>): Promise<T> {
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
export async function createDatabaseFromTemplate(serverUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${TEST_DATABASE_PREFIX}${randomBytes(6).toString('hex')}`;
  assertTestDatabase(name);
  await withAdminClient(serverUrl, async (client) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await client.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DATABASE}`);
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
