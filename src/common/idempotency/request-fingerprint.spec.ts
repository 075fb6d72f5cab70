import { createHash } from 'node:crypto';
import { requestFingerprint } from './request-fingerprint';

const KEY = Buffer.alloc(32, 7);
const body = {
  email: 'dana@da.example.gov',
  password: 'correct horse battery',
  role: 'coordinator',
};

describe('requestFingerprint', () => {
  it('is the same for the same request, whatever the order of the body keys', () => {
    const reordered = {
      role: 'coordinator',
      password: 'correct horse battery',
      email: 'dana@da.example.gov',
    };
    expect(requestFingerprint(KEY, 'POST', '/api/v1/users', reordered)).toBe(
      requestFingerprint(KEY, 'POST', '/api/v1/users', body),
    );
  });

  it('differs when the body, path or method differ', () => {
    const base = requestFingerprint(KEY, 'POST', '/api/v1/users', body);
    expect(requestFingerprint(KEY, 'POST', '/api/v1/users', { ...body, password: 'x' })).not.toBe(
      base,
    );
    expect(requestFingerprint(KEY, 'POST', '/api/v1/agencies', body)).not.toBe(base);
    expect(requestFingerprint(KEY, 'PUT', '/api/v1/users', body)).not.toBe(base);
  });

  it('cannot be recomputed without the key, so a stored one does not reveal a password', () => {
    const base = requestFingerprint(KEY, 'POST', '/api/v1/users', body);
    expect(requestFingerprint(Buffer.alloc(32, 8), 'POST', '/api/v1/users', body)).not.toBe(base);
    const canonical = `POST /api/v1/users\n${JSON.stringify(body)}`;
    expect(base).not.toBe(createHash('sha256').update(canonical).digest('hex'));
  });
});
