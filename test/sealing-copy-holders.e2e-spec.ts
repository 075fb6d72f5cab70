import { givenClient } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';
import { givenEnrollmentPendingReview, givenWorld } from './support/workflow';

describe('sealing notices reach every agency that holds a copy', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const noticesOf = async (token: string) =>
    (await t.http.get('/api/v1/sealing-notices').auth(token, { type: 'bearer' }).expect(200)).body
      .items as { agencyId: string; status: string }[];

  it('notifies the arresting agency, but not the deciding court whose clerk opened the record', async () => {
    const w = await givenWorld(t);
    const { enrollment, arrest } = await givenEnrollmentPendingReview(t, w);
    // The clerk opens the arrest record while reviewing: the court now holds its data.
    await t.http
      .get(`/api/v1/arrest-records/${arrest.id}`)
      .auth(w.clerk.token, { type: 'bearer' })
      .expect(200);
    await t.http
      .post(`/api/v1/enrollments/${enrollment.id}/completion`)
      .auth(w.clerk.token, { type: 'bearer' })
      .send({ decision: 'confirmed', courtOrderNumber: 'JV-COPIES-1' })
      .expect(200);

    // The court holds the order, not a copy (API.md "Additions"): no notice it could never close.
    const all = await noticesOf(w.coordinator.token);
    expect(all.map((n) => n.agencyId)).toEqual([w.police.id]);
    const courtSystem = await givenClient(t, w.admin, {
      agencyId: w.court.id,
      scopes: ['sealing:ack'],
    });
    expect(await noticesOf(courtSystem.token)).toEqual([]);
  });

  it('notifies only the arresting agency when nobody else received the record', async () => {
    const w = await givenWorld(t);
    const { enrollment } = await givenEnrollmentPendingReview(t, w);
    await t.http
      .post(`/api/v1/enrollments/${enrollment.id}/completion`)
      .auth(w.clerk.token, { type: 'bearer' })
      .send({ decision: 'confirmed' })
      .expect(200);
    expect((await noticesOf(w.coordinator.token)).map((n) => n.agencyId)).toEqual([w.police.id]);
  });

  it('notifies the registering agency when its own case system pulled the record', async () => {
    const w = await givenWorld(t);
    const { enrollment, arrest } = await givenEnrollmentPendingReview(t, w);
    const caseSystem = await givenClient(t, w.admin, {
      agencyId: w.da.id,
      scopes: ['participants:read', 'sealing:ack'],
    });
    await t.http
      .get(`/api/v1/arrest-records/${arrest.id}`)
      .auth(caseSystem.token, { type: 'bearer' })
      .expect(200);
    // The coordinator reading it inside this system makes no copy.
    await t.http
      .get(`/api/v1/arrest-records/${arrest.id}`)
      .auth(w.coordinator.token, { type: 'bearer' })
      .expect(200);
    await t.http
      .post(`/api/v1/enrollments/${enrollment.id}/completion`)
      .auth(w.clerk.token, { type: 'bearer' })
      .send({ decision: 'confirmed' })
      .expect(200);
    const agencies = (await noticesOf(w.coordinator.token)).map((n) => n.agencyId);
    expect(agencies.sort()).toEqual([w.police.id, w.da.id].sort());
  });
});
