import { Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../common/config/app-config';
import { dataSourceOptions, DatabaseEndpoint } from './data-source-options';
import { EmbeddedPostgres } from './embedded-postgres';
import { UnitOfWork } from './unit-of-work';

const EMBEDDED_POSTGRES = Symbol('EMBEDDED_POSTGRES');

/**
 * One connection to the embedded database. PGlite is a single Postgres session, and
 * pglite-socket interleaves protocol messages of different connections outside transactions:
 * two pooled connections each running Parse/Bind/Execute can overwrite each other's unnamed
 * statement ("unnamed prepared statement does not exist"). One connection serialises queries,
 * which PGlite does anyway.
 */
const EMBEDDED_POOL_SIZE = 1;
const DATABASE_ENDPOINT = Symbol('DATABASE_ENDPOINT');

/** Starts the embedded database when no DATABASE_URL is configured, and says where to connect. */
@Module({
  providers: [
    {
      provide: EMBEDDED_POSTGRES,
      inject: [AppConfig],
      useFactory: async (config: AppConfig): Promise<EmbeddedPostgres | null> => {
        if (config.database.kind !== 'embedded') return null;
        const embedded = await EmbeddedPostgres.start(
          config.database.dataDir,
          EMBEDDED_POOL_SIZE + 2,
        );
        new Logger('Database').log(`embedded PGlite database in ${config.database.dataDir}`);
        return embedded;
      },
    },
    {
      provide: DATABASE_ENDPOINT,
      inject: [AppConfig, EMBEDDED_POSTGRES],
      useFactory: (config: AppConfig, embedded: EmbeddedPostgres | null): DatabaseEndpoint =>
        config.database.kind === 'server'
          ? config.database
          : {
              kind: 'embedded',
              host: embedded!.host,
              port: embedded!.port,
              poolSize: EMBEDDED_POOL_SIZE,
            },
    },
  ],
  exports: [EMBEDDED_POSTGRES, DATABASE_ENDPOINT],
})
class EndpointModule {}

/** Closes the pool before the embedded server it talks to, whatever order Nest shuts modules down in. */
@Injectable()
class DatabaseLifecycle implements OnApplicationShutdown {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(EMBEDDED_POSTGRES) private readonly embedded: EmbeddedPostgres | null,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
    await this.embedded?.stop();
  }
}

@Global()
@Module({
  imports: [
    // Also imported here (not only by the TypeORM factory) so DatabaseLifecycle can stop the
    // embedded server: @Optional() would otherwise hide its absence.
    EndpointModule,
    TypeOrmModule.forRootAsync({
      imports: [EndpointModule],
      inject: [AppConfig, DATABASE_ENDPOINT],
      useFactory: (config: AppConfig, endpoint: DatabaseEndpoint) => ({
        ...dataSourceOptions(endpoint),
        migrationsRun: config.runMigrations,
        // Fail start quickly and clearly instead of retrying a wrong URL for a minute.
        retryAttempts: 2,
        retryDelay: 1000,
      }),
    }),
  ],
  providers: [UnitOfWork, DatabaseLifecycle],
  exports: [UnitOfWork],
})
export class DatabaseModule {}
