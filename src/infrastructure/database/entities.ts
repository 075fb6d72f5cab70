import { ArrestRecordEntity } from '../../arrest-records/arrest-record.entity';
import { AttendanceRecordEntity } from '../../attendance/attendance-record.entity';
import { CourtReviewEntity } from '../../court/court-review.entity';
import { ConsentEntity } from '../../enrollments/consent.entity';
import { EnrollmentEntity, EnrollmentExtensionEntity } from '../../enrollments/enrollment.entity';
import { AgencyEntity } from '../../identity/agencies/agency.entity';
import { ApiClientEntity } from '../../identity/api-clients/api-client.entity';
import { AuthFailureEntity } from '../../identity/auth/auth-failure.entity';
import { UserEntity } from '../../identity/users/user.entity';
import { MilestoneEntity } from '../../enrollments/milestones/milestone.entity';
import { ParticipantEntity } from '../../participants/participant.entity';
import { ProgramEntity } from '../../programs/program.entity';
import { SealingNoticeEntity } from '../../sealing/sealing-notice.entity';

/** Every entity, registered once for the app and the migration CLI. */
export const ENTITIES = [
  AgencyEntity,
  UserEntity,
  ApiClientEntity,
  AuthFailureEntity,
  ProgramEntity,
  ParticipantEntity,
  ArrestRecordEntity,
  EnrollmentEntity,
  EnrollmentExtensionEntity,
  ConsentEntity,
  MilestoneEntity,
  AttendanceRecordEntity,
  CourtReviewEntity,
  SealingNoticeEntity,
];
