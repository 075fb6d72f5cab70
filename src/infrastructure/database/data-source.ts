/**
 * The DataSource for the TypeORM CLI (`npm run migration:*`). Same options as the app; with
 * no DATABASE_URL it opens the embedded PGlite folder, so stop the app first (PGlite is
 * single-process).
 */
import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../common/config/app-config';
import { dataSourceOptions } from './data-source-options';
import { EmbeddedPostgres } from './embedded-postgres';

async function createCliDataSource(): Promise<DataSource> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = AppConfig.fromEnvironment(process.env);
  if (config.database.kind === 'server') {
    return new DataSource(dataSourceOptions(config.database));
  }
  const embedded = await EmbeddedPostgres.start(
    config.database.dataDir,
    config.database.poolSize + 2,
  );
  const dataSource = new DataSource(
    dataSourceOptions({ kind: 'embedded', host: embedded.host, port: embedded.port, poolSize: 1 }),
  );
  // The CLI destroys the DataSource when done; the embedded server must stop with it.
  const destroy = dataSource.destroy.bind(dataSource);
  dataSource.destroy = async () => {
    await destroy();
    await embedded.stop();
  };
  return dataSource;
}

export default createCliDataSource();
