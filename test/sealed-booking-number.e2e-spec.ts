import { DataSource } from 'typeorm';
import { startTestApp, TestApp } from './support/test-app';
import { givenArrestRecord, givenCompletedEnrollment, givenWorld } from './support/workflow';

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
