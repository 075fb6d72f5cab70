import type { Caller } from '../identity/access/caller';
import type { ServiceCategory } from '../identity/agencies/agency-kind';
import { redisclosureNoticeFor } from '../privacy/part2';
import { notesDisclosedTo } from '../privacy/session-notes';
import { AttendanceDto, AttendanceRow } from './dto/attendance.dto';

/**
 * The one way an attendance record leaves the service, on every path that returns one (the
 * list, GET, a 201 write, the 200 of a re-sent externalId, PATCH, and so the Idempotency-Key
 * replays of those): the session-notes disclosure rule (privacy/session-notes.ts: no shelter
 * notes to partner systems, no treatment or shelter notes to admins) and the 42 CFR 2.32
 * redisclosure notice, both judged against the agency that delivered the session.
 */
export function presentAttendance(
  caller: Caller,
  row: AttendanceRow,
  category: ServiceCategory,
): AttendanceDto {
  return AttendanceDto.from(row, {
    notes: notesDisclosedTo(caller, category, row.provider_agency_id),
    redisclosureNotice: redisclosureNoticeFor(category, row.provider_agency_id, caller.agencyId),
  });
}
