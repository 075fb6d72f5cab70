import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASE_TEST_ENV, TEST_ADMIN } from '../support/test-app';
import { eventually } from '../support/webhook-receiver';

/**
 * Log hygiene: the service's own logs, at the most verbose level, over a session that handles
 * every kind of sensitive value (passwords, tokens, names, a date of birth, an address in a
 * shelter note, a searched name, failures), hold none of them.
 */
describe('logs hold no token, password, name, date of birth, address or note', () => {
  jest.setTimeout(180_000);
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGKILL');
  });

  it('at LOG_LEVEL=trace', async () => {
    const port = 40000 + Math.floor(Math.random() * 20000);
    const dataDir = mkdtempSync(join(tmpdir(), 'log-hygiene-'));
    let logs = '';
    child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
      env: {
        ...process.env,
        ...BASE_TEST_ENV,
        DATABASE_URL: '',
        DATA_DIR: dataDir,
        // Its own embedded database: never the checkout's ./data/pglite of an earlier run.
        PGLITE_DIR: join(dataDir, 'pglite'),
        HOST: '127.0.0.1',
        PORT: String(port),
        LOG_LEVEL: 'trace',
        NODE_OPTIONS: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk: Buffer) => (logs += chunk.toString('utf8')));
    child.stderr!.on('data', (chunk: Buffer) => (logs += chunk.toString('utf8')));
    const base = `http://127.0.0.1:${port}/api/v1`;
    await eventually(
      async () => expect((await fetch(`http://127.0.0.1:${port}/health/ready`)).status).toBe(200),
      120_000,
      250,
    );
    const call = async (method: string, path: string, token?: string, body?: unknown) => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return {
        status: res.status,
        body: (await res.json().catch(() => null)) as Record<string, string>,
      };
    };
    const admin = (await call('POST', '/auth/login', undefined, TEST_ADMIN)).body.accessToken;
    await call('POST', '/auth/login', undefined, {
      email: TEST_ADMIN.email,
      password: 'Wrong-Password-4711',
    });
    const da = (
      await call('POST', '/agencies', admin, { name: 'DA Log', kind: 'district_attorney' })
    ).body;
    const shelter = (
      await call('POST', '/agencies', admin, {
        name: 'Shelter Log',
        kind: 'ngo',
        services: ['shelter'],
      })
    ).body;
    const police = (
      await call('POST', '/agencies', admin, { name: 'Police Log', kind: 'law_enforcement' })
    ).body;
    const coordinatorPassword = 'Coordinator-Secret-Pass-99';
    await call('POST', '/users', admin, {
      email: 'coord@log.example',
      displayName: 'Coord',
      role: 'coordinator',
      agencyId: da.id,
      password: coordinatorPassword,
    });
    await call('POST', '/users', admin, {
      email: 'shelter@log.example',
      displayName: 'Shelter',
      role: 'provider',
      agencyId: shelter.id,
      password: coordinatorPassword,
    });
    const coordinator = (
      await call('POST', '/auth/login', undefined, {
        email: 'coord@log.example',
        password: coordinatorPassword,
      })
    ).body.accessToken;
    const provider = (
      await call('POST', '/auth/login', undefined, {
        email: 'shelter@log.example',
        password: coordinatorPassword,
      })
    ).body.accessToken;
    const dob = new Date(Date.now() - 15 * 365.25 * 86400_000 - 20 * 86400_000)
      .toISOString()
      .slice(0, 10);
    const participant = (
      await call('POST', '/participants', coordinator, {
        firstName: 'Xiomara',
        lastName: 'Quintanilla',
        dateOfBirth: dob,
      })
    ).body;
    await call('GET', `/participants?search=Quintanilla`, coordinator);
    const arrest = (
      await call('POST', `/participants/${participant.id}/arrest-records`, coordinator, {
        arrestingAgencyId: police.id,
        bookingNumber: 'BK-LOG-1',
        arrestedAt: new Date(Date.now() - 86400_000).toISOString(),
        charges: [{ code: 'PC 1' }],
      })
    ).body;
    const enrollment = (
      await call('POST', '/enrollments', coordinator, {
        participantId: participant.id,
        arrestRecordId: arrest.id,
        site: 'Compton',
        startDate: new Date().toISOString().slice(0, 10),
      })
    ).body;
    await call('POST', `/enrollments/${enrollment.id}/consents`, coordinator, {
      kind: 'participation',
      signedBy: 'Xiomara Quintanilla',
      signedAt: new Date().toISOString(),
    });
    const milestone = (
      await call('POST', `/enrollments/${enrollment.id}/milestones`, coordinator, {
        category: 'shelter',
        providerAgencyId: shelter.id,
        requiredSessions: 3,
      })
    ).body;
    const note = 'Placed at the safe house on 77 Sycamore Row';
    const recorded = await call('POST', `/milestones/${milestone.id}/attendance`, provider, {
      sessionDate: new Date().toISOString().slice(0, 10),
      status: 'present',
      notes: note,
    });
    expect(recorded.status).toBe(201);
    // Failures too: a forged token, a bad body holding a name.
    await call('GET', '/participants', `${admin}x`);
    await call('POST', '/participants', coordinator, {
      firstName: 'Xiomara',
      lastName: 42,
      dateOfBirth: dob,
    });
    await new Promise((resolve) => setTimeout(resolve, 500));

    expect(logs).toMatch(/request completed/); // the capture works
    for (const secret of [
      admin,
      coordinator,
      provider,
      TEST_ADMIN.password,
      'Wrong-Password-4711',
      coordinatorPassword,
      'Xiomara',
      'Quintanilla',
      dob,
      'Sycamore',
      note,
    ]) {
      expect({ secret: secret.slice(0, 12), found: logs.includes(secret) }).toEqual({
        secret: secret.slice(0, 12),
        found: false,
      });
    }
    expect(logs).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/);
  });
});
