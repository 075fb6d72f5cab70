import { agencyMilestoneDetailsScope } from './visibility';

/**
 * Events about a sealing name the sealed arrest record and the agencies that held it. They
 * go only to the agency they are addressed to and to the agency that owns the enrollment
 * (which follows the statutory clocks), never to everyone else who can see the enrollment
 * (providers, their systems): for them the arrest never happened.
 */
export const SEALING_EVENT_TYPES = [
  'arrest_record.sealed',
  'sealing_notice.acknowledged',
  'sealing_notice.overdue',
  'minor_notice.overdue',
] as const;

export function sealingEventScope(o: string, e: string, agency: string): string {
  const types = SEALING_EVENT_TYPES.map((type) => `'${type}'`).join(', ');
  return `(${o}.type NOT IN (${types}) OR ${o}.agency_id = ${agency} OR ${e}.owner_agency_id = ${agency})`;
}

/**
 * Events that disclose session details (`attendance.recorded`, `attendance.voided`) follow the session-detail rule
 * of their milestone, not just the enrollment's; other events pass. Also says whether the
 * event discloses 42 CFR Part 2 records to an agency other than the delivering provider.
 * Shared by the feed and the webhook dispatcher, so both disclose the same events.
 */
export function sessionDetailEventScope(
  o: string,
  agency: string,
): { visible: string; part2Disclosure: string } {
  const milestone = `(SELECT dm.id, dm.provider_agency_id, dm.category, dm.enrollment_id FROM milestones dm
      WHERE dm.id = (${o}.data->>'milestoneId')::uuid)`;
  return {
    visible: `(${o}.type NOT IN ('attendance.recorded', 'attendance.voided') OR EXISTS (SELECT 1 FROM ${milestone} dm
      JOIN enrollments de ON de.id = dm.enrollment_id WHERE ${agencyMilestoneDetailsScope('dm', 'de', agency)}))`,
    part2Disclosure: `(${o}.type IN ('attendance.recorded', 'attendance.voided') AND ${o}.data->>'category' = 'substance_abuse'
      AND EXISTS (SELECT 1 FROM ${milestone} pm WHERE pm.provider_agency_id <> ${agency}))`,
  };
}
