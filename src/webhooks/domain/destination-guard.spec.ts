import { checkUrlShape, isForbiddenAddress } from './destination-guard';

describe('isForbiddenAddress', () => {
  it.each([
    '127.0.0.1',
    '127.8.9.10',
    '10.0.0.1',
    '172.16.5.4',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    '::',
    'fe80::1',
    'fc00::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '224.0.0.1',
    'not-an-ip',
  ])('refuses %s', (address) => expect(isForbiddenAddress(address)).toBe(true));

  it.each(['8.8.8.8', '93.184.216.34', '2606:4700:4700::1111'])('allows public %s', (address) =>
    expect(isForbiddenAddress(address)).toBe(false),
  );
});

describe('checkUrlShape', () => {
  const strict = { requireHttps: true, allowPrivateAddresses: false };
  const relaxed = { requireHttps: false, allowPrivateAddresses: true };

  it('requires https in production and refuses credentials in the URL', () => {
    expect(checkUrlShape('http://example.org/hook', strict)).toEqual({
      problem: 'scheme_not_allowed',
    });
    expect(checkUrlShape('https://a:b@example.org/hook', strict)).toEqual({
      problem: 'credentials_not_allowed',
    });
    expect(checkUrlShape('https://example.org/hook', strict)).toHaveProperty('url');
  });

  it('refuses literal private addresses and localhost unless allowed', () => {
    for (const url of [
      'https://127.0.0.1/',
      'https://[::1]/',
      'https://169.254.169.254/',
      'https://localhost/',
    ]) {
      expect(checkUrlShape(url, strict)).toEqual({ problem: 'address_not_allowed' });
      expect(checkUrlShape(url, relaxed)).toHaveProperty('url');
    }
  });

  it('refuses what is not an absolute URL', () => {
    expect(checkUrlShape('/relative', relaxed)).toEqual({ problem: 'not_a_url' });
  });
});
