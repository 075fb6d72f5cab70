import { Webhook } from 'standardwebhooks';
import { generateSigningSecret, webhookHeaders } from './standard-webhooks';
import { seal, unseal } from './secret-box';
import { randomBytes } from 'node:crypto';

describe('Standard Webhooks signing', () => {
  it('produces signatures the reference library accepts, and it rejects tampering', () => {
    const secret = generateSigningSecret();
    const body = JSON.stringify({
      id: 'evt_1',
      type: 'arrest_record.sealed',
      data: { arrestRecordId: 'x' },
    });
    const headers = webhookHeaders(secret, 'evt_1', body);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(secret).verify(body.replace('sealed', 'sealeD'), headers)).toThrow();
    expect(() => new Webhook(generateSigningSecret()).verify(body, headers)).toThrow();
  });
});

describe('secret box', () => {
  it('round-trips, and fails with another key or a modified ciphertext', () => {
    const key = randomBytes(32);
    const sealed = seal(key, 'whsec_abc');
    expect(sealed).not.toContain('whsec_abc');
    expect(unseal(key, sealed)).toBe('whsec_abc');
    expect(() => unseal(randomBytes(32), sealed)).toThrow();
    const parts = sealed.split(':');
    parts[3] = Buffer.from('tampered').toString('base64');
    expect(() => unseal(key, parts.join(':'))).toThrow();
  });
});
