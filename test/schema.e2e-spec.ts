import { readFileSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { describeSchema, SCHEMA_FILE } from '../scripts/write-schema';
import { startTestApp, TestApp } from './support/test-app';

/** PostgreSQL's name (format_type) of what a TypeORM column type stores. */
const PG_TYPE: Record<string, string> = {
  uuid: 'uuid',
  text: 'text',
  integer: 'integer',
  int: 'integer',
  int4: 'integer',
  boolean: 'boolean',
  date: 'date',
  timestamptz: 'timestamp with time zone',
  jsonb: 'jsonb',
};

/**
 * The schema has one source, the migrations. The entities only map some of it for TypeORM,
 * and docs/schema.sql shows it whole for review: both must agree with what the migrations build.
 */
describe('database schema', () => {
  let t: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
  });
  afterAll(() => t.close());

  it('matches the committed docs/schema.sql (npm run schema rewrites it)', async () => {
    expect(await describeSchema(db)).toBe(readFileSync(SCHEMA_FILE, 'utf8'));
  });

  it('has every column an entity declares, with its type and nullability', async () => {
    const columns = await db.query<
      { table_name: string; column_name: string; type: string; nullable: boolean }[]
    >(
      `SELECT c.relname AS table_name, a.attname AS column_name,
              format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        WHERE c.relnamespace = 'public'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped`,
    );
    const actual = new Map(columns.map((c) => [`${c.table_name}.${c.column_name}`, c]));
    const mismatches: string[] = [];
    for (const entity of db.entityMetadatas) {
      for (const column of entity.columns) {
        const name = `${entity.tableName}.${column.databaseName}`;
        const found = actual.get(name);
        if (!found) {
          mismatches.push(`${name}: declared by ${entity.name}, not created by any migration`);
          continue;
        }
        const declared =
          column.type === 'enum'
            ? column.enumName
            : typeof column.type === 'string'
              ? (PG_TYPE[column.type] ?? column.type)
              : column.isVersion || column.type === Number
                ? 'integer'
                : String(column.type);
        const type = column.isArray ? `${declared}[]` : declared;
        if (declared !== undefined && found.type !== type) {
          mismatches.push(`${name}: ${entity.name} declares ${type}, the schema has ${found.type}`);
        }
        if (column.isNullable !== found.nullable) {
          mismatches.push(
            `${name}: ${entity.name} declares ${column.isNullable ? 'nullable' : 'not null'}`,
          );
        }
      }
    }
    expect(mismatches).toEqual([]);
  });
});
