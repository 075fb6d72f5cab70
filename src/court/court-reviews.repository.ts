import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import { CourtReviewEntity } from './court-review.entity';

export type NewCourtReview = Pick<
  CourtReviewEntity,
  | 'enrollmentId'
  | 'courtAgencyId'
  | 'decision'
  | 'courtOrderNumber'
  | 'notes'
  | 'reasons'
  | 'substantialComplianceFinding'
  | 'minorNotifiedAt'
  | 'minorNotificationMethod'
  | 'decidedBy'
>;

/** The only code that writes `court_reviews` (the visibility predicates read it for scoping). */
@Injectable()
export class CourtReviewsRepository {
  constructor(private readonly uow: UnitOfWork) {}

  async insert(review: NewCourtReview): Promise<CourtReviewEntity> {
    const repository = this.uow.manager.getRepository(CourtReviewEntity);
    return repository.save(repository.create(review));
  }
}
