import dns from 'node:dns';
import dnsPromises from 'node:dns/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../../src/common/config/app-config';
import { checkUrlShape } from '../../src/webhooks/domain/destination-guard';
import { WebhookSender } from '../../src/webhooks/webhook-sender';
import { adminToken, givenAgency, givenClient, GivenClient } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * OWASP API7:2023 Server-Side Request Forgery: the only outbound requests the service makes
 * are webhook deliveries to URLs its partners give. A destination inside the network
 * (loopback, private, link-local, cloud metadata, in any spelling of the address) is refused
 * when the subscription is made and again at every delivery, on the address the connection
 * actually uses (DNS rebinding); redirects are never followed. See
 * src/webhooks/domain/destination-guard.ts and src/webhooks/webhook-sender.ts.
 */
/** A partner's host name; its resolution is what each test says. */
const PARTNER = 'partner.example';

describe('API7 SSRF: webhook destinations', () => {
  let t: TestApp;
  let client: GivenClient;

  beforeAll(async () => {
    t = await startTestApp({ WEBHOOK_ALLOW_PRIVATE: 'false' });
    const admin = await adminToken(t);
    const agency = await givenAgency(t, admin, { kind: 'law_enforcement' });
    client = await givenClient(t, admin, { agencyId: agency.id, scopes: ['webhooks:manage'] });
  });
  afterAll(() => t.close());
  afterEach(() => jest.restoreAllMocks());

  const subscribe = (url: string) =>
    t.http
      .post('/api/v1/webhook-subscriptions')
      .auth(client.token, { type: 'bearer' })
      .send({ url, events: ['arrest_record.sealed'] });
  const subscriptions = async () =>
    (
      await t.app
        .get(DataSource)
        .query<{ count: number }[]>(`SELECT count(*)::int AS count FROM webhook_subscriptions`)
    )[0].count;

  /** Resolves PARTNER (and only it) to `address`, in the promise and callback forms of dns.lookup. */
  const resolvePartnerTo = (address: string, family: 4 | 6 = 4) => {
    const realPromise = dnsPromises.lookup.bind(dnsPromises);
    jest
      .spyOn(dnsPromises, 'lookup')
      .mockImplementation(((host: string, options: object) =>
        host === PARTNER
          ? Promise.resolve([{ address, family }])
          : realPromise(host, options as dns.LookupAllOptions)) as typeof dnsPromises.lookup);
    const realCallback = dns.lookup.bind(dns);
    jest
      .spyOn(dns, 'lookup')
      .mockImplementation(((
        host: string,
        options: dns.LookupOptions,
        callback: (e: null, a: unknown, f?: number) => void,
      ) =>
        host === PARTNER
          ? options.all
            ? callback(null, [{ address, family }])
            : callback(null, address, family)
          : realCallback(host, options, callback as never)) as unknown as typeof dns.lookup);
  };

  it.each([
    // loopback, private, link-local, cloud metadata, carrier-grade NAT, unspecified
    'http://127.0.0.1/hooks',
    'http://127.255.255.254/hooks',
    'http://10.1.2.3/hooks',
    'http://172.16.0.1/hooks',
    'http://192.168.1.1/hooks',
    'http://169.254.169.254/latest/meta-data',
    'http://100.64.0.1/hooks',
    'http://0.0.0.0/hooks',
    'http://255.255.255.255/hooks',
    'http://224.0.0.1/hooks',
    // the same addresses spelled otherwise (the URL parser normalises them; the guard sees 127.0.0.1)
    'http://2130706433/hooks',
    'http://0x7f.0x0.0x0.0x1/hooks',
    'http://0177.0.0.1/hooks',
    'http://127.1/hooks',
    'http://0/hooks',
    'http://0xa9fea9fe/latest/meta-data',
    // IPv6: loopback, unspecified, link-local, unique-local, AWS metadata, mapped and NAT64 forms
    'http://[::1]/hooks',
    'http://[::]/hooks',
    'http://[fe80::1]/hooks',
    'http://[fc00::1]/hooks',
    'http://[fd00:ec2::254]/latest/meta-data',
    'http://[::ffff:127.0.0.1]/hooks',
    'http://[::ffff:a9fe:a9fe]/hooks',
    'http://[64:ff9b::a9fe:a9fe]/hooks',
    'http://[2002:7f00:1::]/hooks',
    // names that are loopback by definition
    'http://localhost:8080/hooks',
    'http://api.localhost/hooks',
    // not a web destination at all, or one carrying credentials
    'ftp://example.org/hooks',
    'file:///etc/passwd',
    'gopher://example.org/_hooks',
    'https://user:pass@example.org/hooks',
  ])('refuses %s with a 422 problem and stores nothing', async (url) => {
    const res = await subscribe(url).expect(422);
    expect(res.body.type).toMatch(/webhook-url-not-allowed$/);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'url' })]);
    expect(await subscriptions()).toBe(0);
  });

  it.each([
    ['a private IPv4 address', '10.0.0.7', 4],
    ['the metadata address', '169.254.169.254', 4],
    ['an IPv6 loopback', '::1', 6],
  ] as const)(
    'refuses a host name that resolves to %s, and stores nothing',
    async (_label, address, family) => {
      resolvePartnerTo(address, family);
      const res = await subscribe(`https://${PARTNER}/hooks`).expect(422);
      expect(res.body.type).toMatch(/webhook-url-not-allowed$/);
      expect(await subscriptions()).toBe(0);
    },
  );

  it('accepts a host name that resolves to a public address (control)', async () => {
    resolvePartnerTo('93.184.216.34');
    await subscribe(`https://${PARTNER}/hooks`).expect(201);
    expect(await subscriptions()).toBe(1);
  });

  it('refuses at delivery a name that resolves to a private address by then (DNS rebinding)', async () => {
    // Public when subscribed (the control above), private when the delivery connects.
    resolvePartnerTo('127.0.0.1');
    const outcome = await t.app.get(WebhookSender).post(`https://${PARTNER}/hooks`, {}, '{}');
    expect(outcome).toMatchObject({
      statusCode: null,
      error: expect.stringContaining('address_not_allowed'),
    });
  });

  it('refuses at delivery a URL that was stored with a private literal address', async () => {
    const outcome = await t.app.get(WebhookSender).post('http://10.0.0.1/hooks', {}, '{}');
    expect(outcome).toMatchObject({ statusCode: null, error: expect.stringMatching(/refused/) });
  });

  it('refuses plain http when https is required (production)', () => {
    const policy = { requireHttps: true, allowPrivateAddresses: false };
    expect(checkUrlShape('http://partner.example/hooks', policy)).toEqual({
      problem: 'scheme_not_allowed',
    });
    expect(checkUrlShape(`https://${PARTNER}/hooks`, policy)).toHaveProperty('url');
  });

  describe('redirects', () => {
    let target: Server;
    let redirector: Server;
    let targetHits = 0;

    const listen = (server: Server) =>
      new Promise<number>((resolve) =>
        server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
      );
    beforeAll(async () => {
      target = createServer((_req, res) => {
        targetHits++;
        res.end('inside');
      });
      const targetPort = await listen(target);
      redirector = createServer((_req, res) => {
        res.writeHead(307, { location: `http://127.0.0.1:${targetPort}/internal` }).end();
      });
      await listen(redirector);
    });
    afterAll(async () => {
      // The sender's keep-alive sockets would hold the servers (and this worker) open.
      target.closeAllConnections();
      redirector.closeAllConnections();
      await new Promise((resolve) => target.close(resolve));
      await new Promise((resolve) => redirector.close(resolve));
    });

    it('are never followed: the 3xx is the attempt’s outcome', async () => {
      // A sender allowed to reach this machine (the receivers here are on loopback), to see
      // that even then the Location is not followed.
      const sender = new WebhookSender({
        webhooks: { allowPrivateAddresses: true, requireHttps: false, timeoutMs: 5000 },
      } as unknown as AppConfig);
      const port = (redirector.address() as AddressInfo).port;
      const outcome = await sender.post(`http://127.0.0.1:${port}/hooks`, {}, '{}');
      expect(outcome).toMatchObject({ statusCode: 307, error: null });
      expect(targetHits).toBe(0);
    });
  });
});
