import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * The identity module owns agencies, users, api_clients and auth_failures, and only its
 * `*.repository.ts` files issue SQL: a change to what is read or written is then seen whole
 * in one file per table, and services stay testable without a database.
 */
const SQL_ACCESS = [
  /\buow\.manager\b/,
  /\.query\s*[(<]/,
  /\bcreateQueryBuilder\b/,
  /\bgetRepository\b/,
];

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

describe('identity data access', () => {
  const files = sourceFiles(__dirname);

  it('finds the module sources', () => {
    expect(files.map((file) => relative(__dirname, file))).toEqual(
      expect.arrayContaining(['users/users.service.ts', 'users/users.repository.ts']),
    );
  });

  it('issues SQL only from *.repository.ts files', () => {
    const offenders = files
      .filter((file) => !file.endsWith('.repository.ts'))
      .flatMap((file) => {
        const text = readFileSync(file, 'utf8');
        return SQL_ACCESS.filter((pattern) => pattern.test(text)).map(
          (pattern) => `${relative(__dirname, file)}: ${pattern.source}`,
        );
      });
    expect(offenders).toEqual([]);
  });
});
