import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension, ApiOAuth2 } from '@nestjs/swagger';
import type { Role, Scope } from './roles-and-scopes';

export const PUBLIC_KEY = 'access:public';
export const ROLES_KEY = 'access:roles';
export const SCOPES_KEY = 'access:scopes';
export const ANY_CALLER_KEY = 'access:any-caller';

/*
 * OpenAPI: people are `bearer` (a JWT from /auth/login), machine clients `oauth2` (client
 * credentials) with the route's scopes. `x-roles` / `x-scopes` carry the policy into the
 * document, where buildOpenApiDocument states it in the description and adds the 401 and 403
 * every secured route can answer (infrastructure/http/openapi.ts).
 */
const peopleDocs = (roles: Role[]) =>
  applyDecorators(ApiBearerAuth('bearer'), ApiExtension('x-roles', roles));
const clientDocs = (scopes: Scope[]) =>
  applyDecorators(ApiOAuth2(scopes, 'oauth2'), ApiExtension('x-scopes', scopes));

/** No token needed (health, login, token). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/** People with one of these roles may call the route. */
export const Roles = (...roles: Role[]) =>
  applyDecorators(SetMetadata(ROLES_KEY, roles), peopleDocs(roles));

/** Machine clients holding every one of these scopes may call the route. */
export const Scopes = (...scopes: Scope[]) =>
  applyDecorators(SetMetadata(SCOPES_KEY, scopes), clientDocs(scopes));

/** Any authenticated caller, person or client (e.g. `GET /me`). */
export const AnyCaller = () =>
  applyDecorators(
    SetMetadata(ANY_CALLER_KEY, true),
    ApiBearerAuth('bearer'),
    ApiOAuth2([], 'oauth2'),
  );
