import { Module } from '@nestjs/common';
import { EnrollmentsModule } from '../enrollments/enrollments.module';
import { AttendanceController } from './attendance.controller';
import { AttendanceRepository } from './attendance.repository';
import { AttendanceService } from './attendance.service';
import { SessionNotesEncryption } from './session-notes-encryption.service';

/** Session attendance; progress and the 24-hour stamp go through the plan (PlanProgress). */
@Module({
  imports: [EnrollmentsModule],
  controllers: [AttendanceController],
  providers: [AttendanceService, AttendanceRepository, SessionNotesEncryption],
  // For the admin CLI: key rotation (SessionNotesEncryption.reencryptAll).
  exports: [SessionNotesEncryption],
})
export class AttendanceModule {}
