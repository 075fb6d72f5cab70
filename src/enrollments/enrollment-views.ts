import { Injectable } from '@nestjs/common';
import { ArrestRecordsRepository } from '../arrest-records/arrest-records.repository';
import type { Versioned } from '../common/http/etag';
import type { Caller } from '../identity/access/caller';
import { audienceOf } from '../privacy/audience';
import { ConsentsRepository } from './consents.repository';
import { connectedWithin24h } from './domain/connection-time';
import type { ConsentSummaryDto, EnrollmentDto, ExtensionDto } from './dto/enrollment.dto';
import { EnrollmentEntity } from './enrollment.entity';
import { EnrollmentsRepository } from './enrollments.repository';
import { presentMilestone } from './milestones/dto/milestone.dto';
import { MilestonesRepository } from './milestones/milestones.repository';

/**
 * Enrollments as the caller may see them: the row, its plan, extensions and consents. One
 * query per kind of child row for a whole page, never one per enrollment (no N+1).
 */
@Injectable()
export class EnrollmentViews {
  constructor(
    private readonly enrollments: EnrollmentsRepository,
    private readonly consents: ConsentsRepository,
    private readonly milestones: MilestonesRepository,
    private readonly arrestRecords: ArrestRecordsRepository,
  ) {}

  async one(caller: Caller, enrollment: EnrollmentEntity): Promise<Versioned<EnrollmentDto>> {
    const [body] = await this.present(caller, [enrollment]);
    return { body, version: enrollment.version };
  }

  /** The enrollments as the caller may see them, in the order given. */
  async present(caller: Caller, enrollments: EnrollmentEntity[]): Promise<EnrollmentDto[]> {
    if (enrollments.length === 0) return [];
    const ids = enrollments.map((e) => e.id);
    // The arrest record id only while the caller could open that record (never once sealed).
    const arrestShown = await this.arrestRecords.visibleIds(
      caller,
      enrollments.map((e) => e.arrestRecordId),
    );
    const milestones = await this.milestones.visible(caller, { enrollmentIds: ids });
    const extensions = await this.enrollments.extensionsOf(ids);
    const consents = await this.consents.ofEnrollments(ids);

    // Names of signers, why an enrollment ended, why it was extended (it may be medical):
    // the case workers' business only.
    const caseWorker = audienceOf(caller) === 'program';
    const milestonesOf = groupBy(milestones, (m) => m.milestone.enrollmentId);
    const extensionsOf = groupBy(extensions, (x) => x.enrollmentId);
    const consentsOf = groupBy(consents, (c) => c.enrollmentId);
    const now = new Date();
    return enrollments.map((e) => ({
      id: e.id,
      participantId: e.participantId,
      arrestRecordId: arrestShown.has(e.arrestRecordId) ? e.arrestRecordId : null,
      programId: e.programId,
      ownerAgencyId: e.ownerAgencyId,
      site: e.site,
      status: e.status,
      startDate: e.startDate,
      scheduledEndDate: e.scheduledEndDate,
      extensions: (extensionsOf.get(e.id) ?? []).map((x): ExtensionDto => ({
        days: x.days,
        reason: caseWorker ? x.reason : null,
        grantedBy: x.grantedBy,
        grantedAt: x.grantedAt.toISOString(),
      })),
      milestones: (milestonesOf.get(e.id) ?? []).map((m) =>
        presentMilestone(m.milestone, m.detailsVisible, caller.agencyId),
      ),
      consents: (consentsOf.get(e.id) ?? []).map((c): ConsentSummaryDto => ({
        id: c.id,
        kind: c.kind,
        signedAt: c.signedAt.toISOString(),
        ...(caseWorker ? { signedBy: c.signedBy } : {}),
        serviceCategory: c.serviceCategory,
        recipientAgencyId: c.recipientAgencyId,
        expiresAt: c.expiresAt ? c.expiresAt.toISOString() : null,
        revoked: c.revokedAt !== null,
        revokedAt: c.revokedAt ? c.revokedAt.toISOString() : null,
      })),
      activatedAt: iso(e.activatedAt),
      firstServiceAt: iso(e.firstServiceAt),
      connectedWithin24h: connectedWithin24h(e.activatedAt, e.firstServiceAt, now),
      submittedForReviewAt: iso(e.submittedForReviewAt),
      completedAt: iso(e.completedAt),
      endedAt: iso(e.endedAt),
      endReason: caseWorker ? e.endReason : null,
      createdAt: e.createdAt.toISOString(),
      updatedAt: e.updatedAt.toISOString(),
    }));
  }
}

function iso(value: Date | null): string | null {
  return value ? value.toISOString() : null;
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}
