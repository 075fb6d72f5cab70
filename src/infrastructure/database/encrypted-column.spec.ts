import { ARREST_LOCATION, reencryptBatch } from './encrypted-column';
import { FieldCipher } from '../crypto/field-cipher';

/** A stand-in for the EntityManager / QueryRunner: records the statements, answers `rows`. */
function fakeDb(rows: { id: string; value: string }[]) {
  const calls: { sql: string; parameters?: unknown[] }[] = [];
  return {
    calls,
    query: (sql: string, parameters?: unknown[]) => {
      calls.push({ sql, parameters });
      return Promise.resolve(calls.length === 1 ? rows : []);
    },
  };
}

const ID = '00000000-0000-4000-8000-000000000001';

describe('reencryptBatch', () => {
  it('matches the write key id literally: `_` in a key id is not a LIKE wildcard', async () => {
    const cipher = FieldCipher.of(new Map([['a_b', Buffer.alloc(32, 1)]]), 'a_b');
    const db = fakeDb([]);
    await reencryptBatch(db, ARREST_LOCATION, cipher, 10);
    expect(db.calls[0].parameters).toEqual(['enc:v1:a\\_b:%', 10]);
  });

  it('reads no key when there is nothing to convert (a migration on a fresh database)', async () => {
    const db = fakeDb([]);
    const cipher = jest.fn<FieldCipher, []>();
    expect(await reencryptBatch(db, ARREST_LOCATION, cipher, 10, true)).toBe(0);
    expect(cipher).not.toHaveBeenCalled();
    expect(db.calls[0].parameters).toEqual(['enc:v1:%', 10]);
  });

  it('rewrites plaintext under the write key, bound to its row', async () => {
    const cipher = FieldCipher.of(new Map([['k', Buffer.alloc(32, 2)]]), 'k');
    const db = fakeDb([{ id: ID, value: '12 Oak Lane' }]);
    expect(await reencryptBatch(db, ARREST_LOCATION, () => cipher, 10, true)).toBe(1);
    const [ids, values] = db.calls[1].parameters as [string[], string[]];
    expect(ids).toEqual([ID]);
    expect(values[0]).toMatch(/^enc:v1:k:/);
    expect(cipher.decrypt(values[0], `arrest_records.location:${ID}`)).toBe('12 Oak Lane');
  });
});
