import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import PgBoss from 'pg-boss';
import {
  PGBOSS_CONSTRUCTION_SQL,
  PGBOSS_SCHEMA_VERSION,
} from '../../../migrations/1764001400000-pg-boss-scheduled-jobs';
import { PGBOSS_SCHEMA } from './scheduled-jobs';

const root = join(__dirname, '..', '..', '..');
const json = (path: string) =>
  JSON.parse(readFileSync(join(root, path), 'utf8')) as Record<string, unknown>;
const squash = (sql: string) => sql.replace(/\s+/g, ' ').trim();

/**
 * The pg-boss schema is built by a reviewed migration and pg-boss runs with `migrate: false`:
 * these fail when the installed pg-boss would build a different schema (a version bump), so
 * the bump comes with a migration holding pg-boss's migration plans.
 */
describe('pg-boss schema migration', () => {
  it('pins pg-boss exactly, and the installed one is that version', () => {
    const pinned = (json('package.json').dependencies as Record<string, string>)['pg-boss'];
    expect(pinned).toBe('10.4.2');
    expect(json('node_modules/pg-boss/package.json').version).toBe(pinned);
  });

  it('builds the schema version the installed pg-boss expects', () => {
    expect(json('node_modules/pg-boss/version.json').schema).toBe(PGBOSS_SCHEMA_VERSION);
  });

  it("holds pg-boss's construction plans, less only their transaction and lock wrapper", () => {
    const plans = PgBoss.getConstructionPlans(PGBOSS_SCHEMA);
    const body = plans.slice(plans.indexOf('CREATE SCHEMA'), plans.lastIndexOf('COMMIT;'));
    // The wrapper is what TypeORM's migration transaction replaces: nothing else is dropped.
    expect(squash(plans.replace(body, ''))).toMatch(
      /^BEGIN; SET LOCAL lock_timeout = '30s'; SET LOCAL idle_in_transaction_session_timeout = '30s'; SELECT pg_advisory_xact_lock\( .* \); COMMIT;$/,
    );
    expect(squash(PGBOSS_CONSTRUCTION_SQL)).toBe(squash(body));
  });
});
