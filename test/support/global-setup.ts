import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/infrastructure/database/data-source-options';
import {
  dropDatabase,
  isStale,
  newTestDatabaseName,
  TEST_DATABASE_PREFIX,
  testServerUrl,
  urlForDatabase,
  withAdminClient,
} from './test-database';

/**
 * On a real server: build one migrated template database that every test file copies.
 * Without TEST_DATABASE_URL each file starts its own in-memory PGlite instead.
 */
export default async function globalSetup(): Promise<void> {
  const serverUrl = testServerUrl();
  if (!serverUrl) return;
  const templateName = newTestDatabaseName('tpl');
  process.env.FIRST_STEP_TEST_TEMPLATE = templateName; // inherited by the workers
  await withAdminClient(serverUrl, async (client) => {
    const leftovers = await client.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE $1`,
      [`${TEST_DATABASE_PREFIX}%`],
    );
    for (const { datname } of leftovers.rows) {
      if (isStale(datname)) await dropDatabase(client, datname);
    }
    await client.query(`CREATE DATABASE ${templateName}`);
  });
  const template = new DataSource(
    dataSourceOptions({
      kind: 'server',
      url: urlForDatabase(serverUrl, templateName),
      poolSize: 1,
    }),
  );
  await template.initialize();
  await template.runMigrations();
  await template.destroy();
}
