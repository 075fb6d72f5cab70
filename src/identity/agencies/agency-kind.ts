import type { Role } from '../access/roles-and-scopes';

export const AGENCY_KINDS = [
  'district_attorney',
  'law_enforcement',
  'probation',
  'court',
  'service_provider',
  'child_welfare',
  'ngo',
  'system',
] as const;
export type AgencyKind = (typeof AGENCY_KINDS)[number];

export const SERVICE_CATEGORIES = [
  'mental_health',
  'substance_abuse',
  'education',
  'shelter',
] as const;
export type ServiceCategory = (typeof SERVICE_CATEGORIES)[number];

/** Agencies that deliver program services (clinics, shelters, schools, NGOs, children's services). */
export const SERVICE_DELIVERING_KINDS: readonly AgencyKind[] = [
  'service_provider',
  'ngo',
  'child_welfare',
];

/** Which agency kinds a person of each role may belong to (minimum necessary, by agency). */
export const AGENCY_KINDS_FOR_ROLE: Record<Role, readonly AgencyKind[]> = {
  admin: ['system'],
  auditor: ['system', 'district_attorney', 'probation', 'court'],
  coordinator: ['district_attorney', 'probation'],
  provider: SERVICE_DELIVERING_KINDS,
  court: ['court'],
  records: ['law_enforcement', 'probation', 'court'],
};
