import { randomBytes } from 'node:crypto';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FieldCipher, idempotencyResponseContext } from './field-cipher';

const key = () => randomBytes(32);

describe('FieldCipher', () => {
  const k1 = key();
  const k2 = key();
  const old = FieldCipher.of(new Map([['k1', k1]]), 'k1');
  const rotated = FieldCipher.of(
    new Map([
      ['k1', k1],
      ['k2', k2],
    ]),
    'k2',
  );

  it('round-trips, with the key id in the stored value and no plaintext in it', () => {
    const stored = old.encrypt('Placed at 12 Oak Lane', 'row-1');
    expect(stored).toMatch(/^enc:v1:k1:[A-Za-z0-9_-]+$/);
    expect(stored).not.toContain('Oak');
    expect(old.decrypt(stored, 'row-1')).toBe('Placed at 12 Oak Lane');
    // A fresh IV each time.
    expect(old.encrypt('same', 'row-1')).not.toBe(old.encrypt('same', 'row-1'));
  });

  it('refuses a value moved to another row, altered, or under an unknown key', () => {
    const stored = old.encrypt('notes', 'row-1');
    expect(() => old.decrypt(stored, 'row-2')).toThrow();
    const tampered = stored.slice(0, -2) + (stored.endsWith('A') ? 'BB' : 'AA');
    expect(() => old.decrypt(tampered, 'row-1')).toThrow();
    const other = FieldCipher.of(new Map([['k9', key()]]), 'k9');
    expect(() => other.decrypt(stored, 'row-1')).toThrow(/k1 is not configured/);
    // canOpen tells a key not configured (an operator's error) from a value that fails to open.
    expect(old.canOpen(stored)).toBe(true);
    expect(other.canOpen(stored)).toBe(false);
    expect(old.canOpen('plaintext')).toBe(false);
  });

  it('binds a stored response to its (caller, key) row', () => {
    const caller = '0b6f4c1e-2d3a-4b5c-8d9e-0f1a2b3c4d5e';
    const stored = old.encrypt('{}', idempotencyResponseContext(caller.toUpperCase(), 'k-1'));
    expect(old.decrypt(stored, idempotencyResponseContext(caller, 'k-1'))).toBe('{}');
    expect(() => old.decrypt(stored, idempotencyResponseContext(caller, 'k-2'))).toThrow();
    const otherCaller = 'f0e1d2c3-b4a5-4968-8776-655443322110';
    expect(() => old.decrypt(stored, idempotencyResponseContext(otherCaller, 'k-1'))).toThrow();
  });

  it('reads every configured key, writes with one, and re-encrypts old values and plaintext', () => {
    const stored = old.encrypt('notes', 'row-1');
    expect(rotated.decrypt(stored, 'row-1')).toBe('notes');
    expect(rotated.needsReencryption(stored)).toBe(true);
    const moved = rotated.reencrypt(stored, 'row-1');
    expect(FieldCipher.keyIdOf(moved)).toBe('k2');
    expect(rotated.needsReencryption(moved)).toBe(false);
    expect(rotated.decrypt(moved, 'row-1')).toBe('notes');
    const fromPlain = rotated.reencrypt('legacy plaintext', 'row-1');
    expect(rotated.decrypt(fromPlain, 'row-1')).toBe('legacy plaintext');
  });

  it('reads keys from settings, and generates one owner-only in the data folder when none', () => {
    const a = randomBytes(32).toString('base64');
    const b = randomBytes(32).toString('base64');
    const { cipher } = FieldCipher.fromSettings({
      FIELD_ENCRYPTION_KEYS: `a:${a},b:${b}`,
      FIELD_ENCRYPTION_KEY_ID: 'b',
      DATA_DIR: '/nonexistent',
    });
    expect(cipher.writeKeyId).toBe('b');
    expect(() =>
      FieldCipher.fromSettings({ FIELD_ENCRYPTION_KEYS: 'a:short', DATA_DIR: '/x' }),
    ).toThrow();
    expect(() =>
      FieldCipher.fromSettings({
        FIELD_ENCRYPTION_KEYS: `a:${a}`,
        FIELD_ENCRYPTION_KEY_ID: 'zz',
        DATA_DIR: '/x',
      }),
    ).toThrow(/zz/);
    const dataDir = mkdtempSync(join(tmpdir(), 'field-key-'));
    const first = FieldCipher.fromSettings({ DATA_DIR: dataDir });
    const again = FieldCipher.fromSettings({ DATA_DIR: dataDir });
    expect(first.generatedIn).toBeDefined();
    expect(statSync(first.generatedIn!).mode & 0o777).toBe(0o600);
    expect(again.cipher.writeKeyId).toBe(first.cipher.writeKeyId);
    expect(again.cipher.decrypt(first.cipher.encrypt('x', 'c'), 'c')).toBe('x');
  });
});
