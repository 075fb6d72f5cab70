import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateSecret } from './data-folder-secrets';

describe('loadOrCreateSecret', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'secrets-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('generates the secret once, owner-only, and returns the same value afterwards', () => {
    let calls = 0;
    const generate = () => `secret-${++calls}`;
    const first = loadOrCreateSecret(dir, 'thing.pem', generate);
    const second = loadOrCreateSecret(dir, 'thing.pem', generate);
    expect(first).toMatchObject({ value: 'secret-1', created: true });
    expect(second).toMatchObject({ value: 'secret-1', created: false });
    expect(calls).toBe(2); // the second value was generated but never stored
    expect(statSync(first.path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'keys')).mode & 0o777).toBe(0o700);
  });

  it('tightens an existing file readable by others', () => {
    loadOrCreateSecret(dir, 'thing.pem', () => 'a');
    const path = join(dir, 'keys', 'thing.pem');
    writeFileSync(path, 'b', { mode: 0o644 });
    chmodSync(path, 0o644);
    expect(loadOrCreateSecret(dir, 'thing.pem', () => 'c').value).toBe('b');
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('refuses a name that could leave the folder', () => {
    expect(() => loadOrCreateSecret(dir, '../escape.pem', () => 'x')).toThrow();
  });
});
