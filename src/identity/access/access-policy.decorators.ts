import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Role, Scope } from './roles-and-scopes';

export const PUBLIC_KEY = 'access:public';
export const ROLES_KEY = 'access:roles';
export const SCOPES_KEY = 'access:scopes';
export const ANY_CALLER_KEY = 'access:any-caller';

const authenticatedDocs = () =>
  applyDecorators(
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'Missing, invalid or expired token' }),
    ApiForbiddenResponse({ description: 'Role or scope does not allow this' }),
  );

/** No token needed (health, login, token). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/** People with one of these roles may call the route. */
export const Roles = (...roles: Role[]) =>
  applyDecorators(SetMetadata(ROLES_KEY, roles), authenticatedDocs());

/** Machine clients holding every one of these scopes may call the route. */
export const Scopes = (...scopes: Scope[]) =>
  applyDecorators(SetMetadata(SCOPES_KEY, scopes), authenticatedDocs());

/** Any authenticated caller, person or client (e.g. `GET /me`). */
export const AnyCaller = () =>
  applyDecorators(SetMetadata(ANY_CALLER_KEY, true), authenticatedDocs());
