import { dropDatabase, templateDatabase, testServerUrl, withAdminClient } from './test-database';

export default async function globalTeardown(): Promise<void> {
  const serverUrl = testServerUrl();
  if (!serverUrl) return;
  await withAdminClient(serverUrl, (client) => dropDatabase(client, templateDatabase()));
}
