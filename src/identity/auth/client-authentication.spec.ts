import { parseBasicClientAuthentication } from './client-authentication';

const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;

describe('parseBasicClientAuthentication', () => {
  it('reads a client id and secret, form-decoded (RFC 6749 2.3.1)', () => {
    expect(parseBasicClientAuthentication(basic('fsc_1:s%3Ac+d%2B'))).toEqual({
      kind: 'basic',
      clientId: 'fsc_1',
      clientSecret: 's:c d+',
    });
  });

  it.each([[undefined], [''], ['Bearer abc.def.ghi'], ['Digest x']])(
    'finds no Basic credentials in %p',
    (header) => {
      expect(parseBasicClientAuthentication(header)).toEqual({ kind: 'none' });
    },
  );

  it.each([
    ['no colon', basic('just-an-id')],
    ['bad percent-encoding', basic('%E0%A4%A:secret')],
  ])('reports a Basic header with %s as malformed', (_label, header) => {
    expect(parseBasicClientAuthentication(header)).toEqual({ kind: 'malformed' });
  });
});
