import { EventFeedQueryDto } from '../src/events/dto/event.dto';
import { PageQueryDto } from '../src/common/pagination/pagination';
import { givenClient, givenUser } from './support/factories';
import { actingAs } from './support/http';
import { Route, routesOf } from './support/routes';
import { startTestApp, TestApp } from './support/test-app';
import { givenActiveEnrollment, givenMilestone, givenWorld, World } from './support/workflow';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const UUID = '0f8e1c3a-5b7d-4e2f-8a9c-1d3e5f7a9b0c';

/**
 * Cursors a client can send that are not ones we handed out: each must be a 400 problem on
 * the cursor parameter, never a 500 from a cast in PostgreSQL, on every list.
 */
const FORGED = [
  'not-a-cursor',
  b64(['2026-01-01T00:00:00.000000Z', "x' OR '1'='1"]),
  b64(['99999999999999999999999', '1']),
  b64(['1', '99999999999999999999']),
  b64([1, 2]),
  b64({ at: 'now' }),
  `ev2.${Buffer.from('99999999999999999999999:1').toString('base64url')}`,
  `ev2.${Buffer.from('1:99999999999999999999').toString('base64url')}`,
];
/** Times and dates that match the pattern but do not exist: forged for lists keyed by time. */
const IMPOSSIBLE_DATES = [
  b64(['2026-02-30T12:00:00.000000Z', UUID]),
  b64(['2026-01-01T24:00:00.000000Z', UUID]),
  b64(['2025-02-29', UUID]),
];

/** Whether a handler's query DTO pages: `?cursor=` (PageQueryDto) or the feed's `?after=`. */
const isList = (route: Route) =>
  route.method === 'GET' &&
  route.queryTypes.some(
    (type) =>
      type === EventFeedQueryDto || type === PageQueryDto || type.prototype instanceof PageQueryDto,
  );

describe('every list refuses a forged cursor with 400', () => {
  let t: TestApp;
  let w: World;
  let routes: Route[];
  /** How to call each list: who, and the URL with real ids in it. */
  let calls: Record<
    string,
    { token: string; url: string; param: 'cursor' | 'after'; keyedByName?: boolean }
  >;

  beforeAll(async () => {
    // The subscription below points at a local address that is never called.
    t = await startTestApp({ WEBHOOK_ALLOW_PRIVATE: 'true' });
    routes = routesOf(t);
    w = await givenWorld(t);
    const auditor = await givenUser(t, w.admin, { role: 'auditor', agencyId: w.da.id });
    const partner = await givenClient(t, w.admin, {
      agencyId: w.police.id,
      scopes: ['events:read', 'webhooks:manage'],
    });
    const { enrollment, participant } = await givenActiveEnrollment(t, w);
    const milestone = await givenMilestone(t, w, enrollment.id, {
      category: 'education',
      providerAgencyId: w.school.id,
      requiredSessions: 2,
    });
    const subscription = await actingAs(t, partner.token)
      .post('/api/v1/webhook-subscriptions', {
        url: 'http://127.0.0.1:9/hooks',
        events: ['arrest_record.sealed'],
      })
      .then((res) => res.body as { id?: string });
    const v1 = '/api/v1';
    calls = {
      [`GET ${v1}/participants`]: {
        token: w.coordinator.token,
        url: `${v1}/participants`,
        param: 'cursor',
      },
      [`GET ${v1}/participants/:id/arrest-records`]: {
        token: w.coordinator.token,
        url: `${v1}/participants/${participant.id}/arrest-records`,
        param: 'cursor',
      },
      [`GET ${v1}/enrollments`]: {
        token: w.coordinator.token,
        url: `${v1}/enrollments`,
        param: 'cursor',
      },
      [`GET ${v1}/milestones/:id/attendance`]: {
        token: w.schoolUser.token,
        url: `${v1}/milestones/${milestone.id}/attendance`,
        param: 'cursor',
      },
      [`GET ${v1}/sealing-notices`]: {
        token: w.coordinator.token,
        url: `${v1}/sealing-notices`,
        param: 'cursor',
      },
      [`GET ${v1}/court/review-queue`]: {
        token: w.clerk.token,
        url: `${v1}/court/review-queue`,
        param: 'cursor',
      },
      // Keyed by name: any text is a name, so only the id part can be forged.
      [`GET ${v1}/agencies`]: {
        token: w.admin,
        url: `${v1}/agencies`,
        param: 'cursor',
        keyedByName: true,
      },
      [`GET ${v1}/users`]: { token: w.admin, url: `${v1}/users`, param: 'cursor' },
      // Keyed by code: any text is a code, so only the id part can be forged.
      [`GET ${v1}/programs`]: {
        token: w.admin,
        url: `${v1}/programs`,
        param: 'cursor',
        keyedByName: true,
      },
      [`GET ${v1}/api-clients`]: { token: w.admin, url: `${v1}/api-clients`, param: 'cursor' },
      [`GET ${v1}/audit-events`]: {
        token: auditor.token,
        url: `${v1}/audit-events`,
        param: 'cursor',
      },
      [`GET ${v1}/events`]: { token: partner.token, url: `${v1}/events`, param: 'after' },
      [`GET ${v1}/webhook-subscriptions`]: {
        token: partner.token,
        url: `${v1}/webhook-subscriptions`,
        param: 'cursor',
      },
      [`GET ${v1}/webhook-subscriptions/:id/deliveries`]: {
        token: partner.token,
        url: `${v1}/webhook-subscriptions/${subscription.id ?? UUID}/deliveries`,
        param: 'cursor',
      },
    };
  });
  afterAll(() => t.close());

  it('knows how to call every list route (a new list must be added here)', () => {
    const lists = routes.filter(isList).map((r) => r.name);
    expect(lists.length).toBeGreaterThan(5);
    expect(lists.filter((name) => !(name in calls))).toEqual([]);
  });

  it('answers each forged cursor with a 400 problem naming the parameter', async () => {
    const wrong: string[] = [];
    for (const route of routes.filter(isList)) {
      const call = calls[route.name];
      if (!call) continue;
      // The list itself answers first, so a 400 below is about the cursor alone.
      const plain = await actingAs(t, call.token).get(call.url);
      if (plain.status !== 200) {
        wrong.push(`${route.name} without cursor -> ${plain.status}`);
        continue;
      }
      for (const cursor of call.keyedByName ? FORGED : [...FORGED, ...IMPOSSIBLE_DATES]) {
        const res = await actingAs(t, call.token).get(
          `${call.url}?${call.param}=${encodeURIComponent(cursor)}`,
        );
        const field = (res.body?.errors as { field: string }[] | undefined)?.[0]?.field;
        if (res.status !== 400 || field !== call.param) {
          wrong.push(`${route.name} ${call.param}=${cursor} -> ${res.status} ${field ?? ''}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });
});
