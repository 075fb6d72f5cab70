import { Identity1764000000000 } from './1764000000000-identity';
import { ProgramWorkflow1764000100000 } from './1764000100000-program-workflow';
import { IdempotencyKeys1764000200000 } from './1764000200000-idempotency-keys';
import { Webhooks1764000300000 } from './1764000300000-webhooks';
import { BookingNumberUniqueWhileOpen1764000400000 } from './1764000400000-booking-number-unique-while-open';
import { ArrestRecordDisclosures1764000500000 } from './1764000500000-arrest-record-disclosures';
import { OutboxOrderByTransaction1764000600000 } from './1764000600000-outbox-order-by-transaction';
import { VerifiableAuditLog1764000700000 } from './1764000700000-verifiable-audit-log';
import { AccountLifecycle1764000800000 } from './1764000800000-account-lifecycle';
import { ParticipantSearchIndex1764000900000 } from './1764000900000-participant-search-index';
import { WebhookDeliveryIsolation1764001000000 } from './1764001000000-webhook-delivery-isolation';
import { ProgramSettings1764001050000 } from './1764001050000-program-settings';
import { EnrollmentScopeIndexes1764001060000 } from './1764001060000-enrollment-scope-indexes';
import { CourtJurisdiction1764001100000 } from './1764001100000-court-jurisdiction';
import { Corrections1764001110000 } from './1764001110000-corrections';
import { EnrollmentProgramTerms1764001120000 } from './1764001120000-enrollment-program-terms';
import { Caseloads1764001130000 } from './1764001130000-caseloads';
import { WebhookSecretRotation1764001140000 } from './1764001140000-webhook-secret-rotation';
import { ConcurrencyVersions1764001150000 } from './1764001150000-concurrency-versions';
import { AttendanceSessionStart1764001200000 } from './1764001200000-attendance-session-start';
import { RetentionPurge1764001210000 } from './1764001210000-retention-purge';
import { MinorNoticeOverdue1764001220000 } from './1764001220000-minor-notice-overdue';
import { BookingNumberUniquePerOwner1764001300000 } from './1764001300000-booking-number-unique-per-owner';
import { IdempotencyWithdrawnResponses1764001310000 } from './1764001310000-idempotency-withdrawn-responses';
import { EncryptSessionNotes1764001320000 } from './1764001320000-encrypt-session-notes';
import { PgBossScheduledJobs1764001400000 } from './1764001400000-pg-boss-scheduled-jobs';
import { EncryptIdempotencyResponses1764001500000 } from './1764001500000-encrypt-idempotency-responses';
import { EncryptArrestLocation1764001600000 } from './1764001600000-encrypt-arrest-location';
import { MilestoneRecordedSessions1764001700000 } from './1764001700000-milestone-recorded-sessions';
import { EnrollmentsParticipantOwner1764001710000 } from './1764001710000-enrollments-participant-owner';
import { OutcomesReportIndexes1764001720000 } from './1764001720000-outcomes-report-indexes';
import { WorkListAndNoticeIndexes1764001730000 } from './1764001730000-work-list-and-notice-indexes';
import { ParticipantSearchByOwner1764001740000 } from './1764001740000-participant-search-by-owner';
import { PlanProgressFillfactor1764001750000 } from './1764001750000-plan-progress-fillfactor';
import { DropOutboxEnrollmentIndex1764001760000 } from './1764001760000-drop-outbox-enrollment-index';

/**
 * Every migration, in order. Listed explicitly (not globbed) so the app, the CLI and the
 * tests run the same set whether from TypeScript sources or compiled JavaScript.
 */
export const MIGRATIONS = [
  Identity1764000000000,
  ProgramWorkflow1764000100000,
  IdempotencyKeys1764000200000,
  Webhooks1764000300000,
  BookingNumberUniqueWhileOpen1764000400000,
  ArrestRecordDisclosures1764000500000,
  OutboxOrderByTransaction1764000600000,
  VerifiableAuditLog1764000700000,
  AccountLifecycle1764000800000,
  ParticipantSearchIndex1764000900000,
  WebhookDeliveryIsolation1764001000000,
  ProgramSettings1764001050000,
  EnrollmentScopeIndexes1764001060000,
  CourtJurisdiction1764001100000,
  Corrections1764001110000,
  EnrollmentProgramTerms1764001120000,
  Caseloads1764001130000,
  WebhookSecretRotation1764001140000,
  ConcurrencyVersions1764001150000,
  AttendanceSessionStart1764001200000,
  RetentionPurge1764001210000,
  MinorNoticeOverdue1764001220000,
  BookingNumberUniquePerOwner1764001300000,
  IdempotencyWithdrawnResponses1764001310000,
  EncryptSessionNotes1764001320000,
  PgBossScheduledJobs1764001400000,
  EncryptIdempotencyResponses1764001500000,
  EncryptArrestLocation1764001600000,
  MilestoneRecordedSessions1764001700000,
  EnrollmentsParticipantOwner1764001710000,
  OutcomesReportIndexes1764001720000,
  WorkListAndNoticeIndexes1764001730000,
  ParticipantSearchByOwner1764001740000,
  PlanProgressFillfactor1764001750000,
  DropOutboxEnrollmentIndex1764001760000,
];
