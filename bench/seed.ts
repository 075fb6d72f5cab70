/**
 * `npm run bench:seed -- --scale small|medium|large [--database-url URL]`
 *
 * Creates the benchmark database (first_step_bench_<scale> on the local server unless
 * --database-url names another), applies the migrations and loads the scale's data.
 */
import { parseArgs, UsageError } from './lib/args';
import { DEFAULT_SERVER_URL, databaseNameFor, withDatabase } from './lib/database';
import { seedDatabase } from './seed/index';
import { isScale, SCALES } from './seed/scales';

async function main(): Promise<void> {
  const { values } = parseArgs(process.argv.slice(2), { values: ['scale', 'database-url'] });
  const scale = values.get('scale');
  if (!isScale(scale)) {
    throw new UsageError(`--scale must be one of: ${Object.keys(SCALES).join(', ')}`);
  }
  const url =
    values.get('database-url') ?? withDatabase(DEFAULT_SERVER_URL, databaseNameFor(scale));
  const result = await seedDatabase(scale, url);
  const rows = Object.entries(result.counts)
    .map(([table, count]) => `  ${table.padEnd(26)} ${count.toLocaleString('en-US').padStart(11)}`)
    .join('\n');
  console.log(
    `${rows}\nseeded ${result.database} (${scale}) in ${result.seconds.toFixed(1)} s; ` +
      `database size ${(result.sizeBytes / 1024 / 1024).toFixed(0)} MiB`,
  );
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    console.error(
      `${error.message}\nusage: npm run bench:seed -- --scale small|medium|large [--database-url URL]`,
    );
    process.exit(2);
  }
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
