import { Body, Controller, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiPreconditionFailedResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
  ApiOperation,
} from '@nestjs/swagger';
import { ApiIfMatch, IfMatch } from '../common/http/etag';
import { Roles } from '../identity/access/access-policy.decorators';
import type { Caller } from '../identity/access/caller';
import { CurrentCaller } from '../identity/access/current-caller.decorator';
import { ConsentsService } from './consents.service';
import { ConsentDto, RecordConsentDto, RevokeConsentDto } from './dto/consent.dto';
import { Audited } from '../infrastructure/audit-context/audited.decorator';

@ApiTags('enrollments')
@Controller()
export class ConsentsController {
  constructor(private readonly consents: ConsentsService) {}

  @ApiOperation({
    summary: 'Record a consent',
    description:
      'Participation consent (and guardian consent where the program requires it) activates the enrollment; information-sharing consent names a recipient agency and category.',
  })
  @Post('enrollments/:id/consents')
  @Audited({ action: 'consent.recorded', subject: 'consent', id: 'result' })
  @Roles('coordinator', 'admin')
  @ApiIfMatch()
  @ApiCreatedResponse({
    type: ConsentDto,
    description:
      'Recorded; a participation consent (with a required guardian consent) activates the enrollment',
  })
  @ApiBadRequestResponse({
    description: 'information_sharing without serviceCategory or recipientAgencyId',
  })
  @ApiNotFoundResponse({ description: 'No such enrollment in your scope' })
  @ApiConflictResponse({ description: 'The enrollment has ended (enrollment-not-active)' })
  @ApiUnprocessableEntityResponse({ description: 'Unknown recipient agency' })
  record(
    @Param('id', ParseUUIDPipe) enrollmentId: string,
    @Body() body: RecordConsentDto,
    @CurrentCaller() caller: Caller,
    @IfMatch() ifMatch: string | undefined,
  ): Promise<ConsentDto> {
    return this.consents.record(caller, enrollmentId, body, ifMatch);
  }

  @ApiOperation({
    summary: 'Revoke a consent',
    description:
      "Revoking participation consent withdraws the enrollment; an information-sharing consent ends the recipient agency's access.",
  })
  @Post('consents/:id/revoke')
  @Audited({ action: 'consent.revoked', subject: 'consent', id: { param: 'id' } })
  @HttpCode(200)
  @Roles('coordinator', 'admin')
  @ApiOkResponse({
    type: ConsentDto,
    description: 'Revoked; revoking the participation consent withdraws the enrollment',
  })
  @ApiNotFoundResponse({ description: 'No such consent in your scope' })
  @ApiConflictResponse({ description: 'Already revoked' })
  @ApiHeader({
    name: 'If-Match',
    required: false,
    description:
      "The enrollment's ETag (its view shows the consents); refused (412) if it has changed since",
  })
  @ApiPreconditionFailedResponse({ description: 'If-Match does not match the enrollment’s ETag' })
  revoke(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: RevokeConsentDto,
    @CurrentCaller() caller: Caller,
    @IfMatch() ifMatch: string | undefined,
  ): Promise<ConsentDto> {
    return this.consents.revoke(caller, id, body, ifMatch);
  }
}
