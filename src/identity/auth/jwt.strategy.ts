import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AppConfig } from '../../common/config/app-config';
import type { Caller } from '../access/caller';
import { AccessTokenClaims } from './access-token';
import { PrincipalStatus } from './principal-status';

/**
 * Verifies bearer tokens: the algorithm is pinned (so `alg: none` and key-confusion tokens
 * fail), issuer, audience and expiry are checked by passport-jwt / jsonwebtoken, the claims
 * must have the expected shape (an expiry included), and the principal must not have been
 * disabled, revoked or re-roled since the token was issued (PrincipalStatus, in memory).
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    config: AppConfig,
    private readonly status: PrincipalStatus,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: config.jwt.verifyingKey,
      algorithms: [config.jwt.algorithm],
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      ignoreExpiration: false,
    });
  }

  async validate(payload: unknown): Promise<Caller | false> {
    const claims = plainToInstance(AccessTokenClaims, payload);
    if (validateSync(claims).length > 0) return false;
    if (claims.kind === 'user' && !claims.role) return false;
    if (!(await this.status.accepts(claims.kind, claims.sub, claims.ver))) return false;
    return {
      id: claims.sub,
      kind: claims.kind,
      agencyId: claims.agencyId,
      role: claims.kind === 'user' ? claims.role : undefined,
      scopes: claims.kind === 'client' ? (claims.scopes ?? []) : [],
    };
  }
}
