import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { AgenciesService } from '../src/identity/agencies/agencies.service';
import { adminToken } from './support/factories';
import { startTestApp } from './support/test-app';

describe('graceful shutdown', () => {
  it('finishes in-flight requests, refuses new ones, then closes the pool', async () => {
    const t = await startTestApp();
    const admin = await adminToken(t);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;

    const agencies = t.app.get(AgenciesService);
    const list = agencies.list.bind(agencies);
    jest.spyOn(agencies, 'list').mockImplementation(async (page) => {
      await new Promise((resolve) => setTimeout(resolve, 600));
      return list(page);
    });

    const inFlight = fetch(`${base}/api/v1/agencies`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    await new Promise((resolve) => setTimeout(resolve, 150));
    const closing = t.close();
    await new Promise((resolve) => setTimeout(resolve, 50));

    const late = await fetch(`${base}/health/live`).then(
      (res) => res.status,
      () => 'refused',
    );
    expect([503, 'refused']).toContain(late);
    const finished = await inFlight;
    expect(finished.status).toBe(200);
    expect(((await finished.json()) as { items: unknown[] }).items.length).toBeGreaterThan(0);
    await closing;
    expect(t.app.get(DataSource).isInitialized).toBe(false);
  });
});
