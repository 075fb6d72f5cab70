import type { INestApplicationContext } from '@nestjs/common';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { captureQueries, queriesContext, QUERIES_DIR } from '../scripts/write-queries';

/**
 * docs/queries/*.sql shows the SQL of every scoped and hot query for every kind of caller:
 * a change to a scoping predicate must show up there, so it is seen whole in review.
 */
describe('committed queries (docs/queries)', () => {
  let app: INestApplicationContext;
  let generated: Map<string, string>;

  beforeAll(async () => {
    app = await queriesContext();
    generated = await captureQueries(app);
  });
  afterAll(() => app.close());

  it('has one file per repository shown, and no other', () => {
    expect(readdirSync(QUERIES_DIR).sort()).toEqual([...generated.keys()].sort());
  });

  it('matches what the repositories send today (npm run queries rewrites them)', () => {
    const stale = [...generated].filter(
      ([name, text]) => readFileSync(join(QUERIES_DIR, name), 'utf8') !== text,
    );
    expect(stale.map(([name]) => name)).toEqual([]);
  });

  it('shows each scoped query for each kind of caller, with its predicate', () => {
    const views = generated.get('enrollment-views.sql')!;
    for (const who of ['coordinator', 'provider', 'court', 'admin', 'auditor', 'client']) {
      expect(views).toContain(`-- findVisible (${who})`);
    }
    // The auditor sees no enrollment: its predicate is FALSE, in plain sight.
    const auditor = views.split('-- findVisible (auditor)')[1].split('\n')[1];
    expect(auditor).toMatch(/ AND FALSE;$/);
  });
});
