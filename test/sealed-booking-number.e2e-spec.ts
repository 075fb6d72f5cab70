import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { givenAgency } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';
import {
  givenArrestRecord,
  givenCompletedEnrollment,
  givenMilestone,
  givenOtherCoordinator,
  givenParticipant,
  givenWorld,
  recordAttendance,
  recordConsent,
} from './support/workflow';

describe('a sealed arrest leaves no trace in later registrations', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('accepts a new record with the booking number of a sealed one, but not of an open one', async () => {
    const w = await givenWorld(t);
    const { participant, arrest } = await givenCompletedEnrollment(t, w);
    const [{ booking_number: bookingNumber }] = await t.app
      .get(DataSource)
      .query(`SELECT booking_number FROM arrest_records WHERE id = $1`, [arrest.id]);
    await givenArrestRecord(t, w.coordinator.token, participant.id, w.police.id, { bookingNumber });
    const again = await t.http
      .post(`/api/v1/participants/${participant.id}/arrest-records`)
      .auth(w.coordinator.token, { type: 'bearer' })
      .send({
        arrestingAgencyId: w.police.id,
        bookingNumber,
        arrestedAt: new Date(Date.now() - 86400_000).toISOString(),
        charges: [{ code: 'PC 602' }],
      })
      .expect(409);
    expect(again.body.type).toMatch(/arrest-record-booking-number-taken$/);
  });
});

describe('booking numbers are unique per (owner agency, arresting agency) among open records', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const register = (
    token: string,
    participantId: string,
    arrestingAgencyId: string,
    bookingNumber: string,
  ) =>
    t.http
      .post(`/api/v1/participants/${participantId}/arrest-records`)
      .auth(token, { type: 'bearer' })
      .send({
        arrestingAgencyId,
        bookingNumber,
        arrestedAt: new Date(Date.now() - 86400_000).toISOString(),
        charges: [{ code: 'PC 602' }],
      });

  it('refuses a second open record of the same owner and arresting agency (409)', async () => {
    const w = await givenWorld(t);
    const participant = await givenParticipant(t, w.coordinator.token);
    await register(w.coordinator.token, participant.id, w.police.id, 'BK-SAME-OWNER').expect(201);
    const again = await register(w.coordinator.token, participant.id, w.police.id, 'BK-SAME-OWNER');
    expect(again.status).toBe(409);
    expect(again.body.type).toMatch(/arrest-record-booking-number-taken$/);
  });

  it('accepts the same number from another arresting agency', async () => {
    const w = await givenWorld(t);
    const sheriff = await givenAgency(t, w.admin, { kind: 'law_enforcement' });
    const participant = await givenParticipant(t, w.coordinator.token);
    await register(w.coordinator.token, participant.id, w.police.id, 'BK-TWO-ARRESTERS').expect(
      201,
    );
    await register(w.coordinator.token, participant.id, sheriff.id, 'BK-TWO-ARRESTERS').expect(201);
  });

  it("never answers differently because of another agency's records: open, sealed or none", async () => {
    const w = await givenWorld(t);
    const other = await givenOtherCoordinator(t, w);
    // Agency A holds an open record with booking number X, then it is sealed.
    const { participant, arrest } = await givenCompletedEnrollment(t, w);
    const [{ booking_number: taken }] = await t.app
      .get(DataSource)
      .query(`SELECT booking_number FROM arrest_records WHERE id = $1`, [arrest.id]);
    const openA = 'BK-OPEN-AT-A';
    await givenArrestRecord(t, w.coordinator.token, participant.id, w.police.id, {
      bookingNumber: openA,
    });
    // Agency B registers X (sealed at A), the number open at A, and a number nobody holds:
    // the same 201 each time; no squatting, no confirmation, no sealing revealed.
    const mine = await givenParticipant(t, other.token);
    for (const bookingNumber of [taken, openA, 'BK-NOBODY-HOLDS-IT']) {
      const res = await register(other.token, mine.id, w.police.id, bookingNumber);
      expect({ bookingNumber, status: res.status }).toEqual({ bookingNumber, status: 201 });
    }
    // And A is not blocked by B's records either.
    const participantA = await givenParticipant(t, w.coordinator.token);
    await register(w.coordinator.token, participantA.id, w.police.id, 'BK-NOBODY-HOLDS-IT').expect(
      201,
    );
  });
});

describe('stored idempotent responses after sealing', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('never replay a sealed arrest record', async () => {
    const w = await givenWorld(t);
    const participant = await givenParticipant(t, w.coordinator.token);
    const body = {
      arrestingAgencyId: w.police.id,
      bookingNumber: 'BK-IDEMPOTENT-SEALED',
      arrestedAt: new Date(Date.now() - 3 * 86400_000).toISOString(),
      charges: [{ code: 'PC 653' }],
    };
    const post = () =>
      t.http
        .post(`/api/v1/participants/${participant.id}/arrest-records`)
        .auth(w.coordinator.token, { type: 'bearer' })
        .set('Idempotency-Key', 'arrest-once')
        .send(body);
    const arrest = (await post().expect(201)).body as { id: string };
    const enrollment = (
      await t.http
        .post('/api/v1/enrollments')
        .auth(w.coordinator.token, { type: 'bearer' })
        .send({
          participantId: participant.id,
          arrestRecordId: arrest.id,
          site: 'Compton',
          startDate: new Date().toISOString().slice(0, 10),
        })
        .expect(201)
    ).body as { id: string };
    await recordConsent(t, w.coordinator.token, enrollment.id);
    const milestone = await givenMilestone(t, w, enrollment.id, {
      category: 'education',
      providerAgencyId: w.school.id,
      requiredSessions: 1,
    });
    await recordAttendance(t, w.schoolUser.token, milestone.id).expect(201);
    await t.http
      .post(`/api/v1/enrollments/${enrollment.id}/submit-for-review`)
      .auth(w.coordinator.token, { type: 'bearer' })
      .expect(200);
    await t.http
      .post(`/api/v1/enrollments/${enrollment.id}/completion`)
      .auth(w.clerk.token, { type: 'bearer' })
      .send({ decision: 'confirmed' })
      .expect(200);

    const countRecords = async () =>
      (
        await t.app
          .get(DataSource)
          .query(`SELECT count(*)::int AS n FROM arrest_records WHERE participant_id = $1`, [
            participant.id,
          ])
      )[0].n as number;
    expect(await countRecords()).toBe(1);
    const unknown = await t.http
      .get(`/api/v1/arrest-records/${randomUUID()}`)
      .auth(w.coordinator.token, { type: 'bearer' })
      .expect(404);
    // A used key never runs twice: the replay re-creates nothing and answers like an unknown
    // record, not as a replay.
    const replay = await post().expect(404);
    expect(replay.headers['idempotent-replayed']).toBeUndefined();
    expect(JSON.stringify(replay.body)).not.toContain(arrest.id);
    const problem = (body: Record<string, unknown>) => ({
      type: body.type,
      title: body.title,
      status: body.status,
      detail: body.detail,
    });
    expect(problem(replay.body)).toEqual(problem(unknown.body));
    expect(await countRecords()).toBe(1);
  });
});
