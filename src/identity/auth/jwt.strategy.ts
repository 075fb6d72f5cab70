import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AppConfig } from '../../common/config/app-config';
import type { Caller } from '../access/caller';
import { AccessTokenClaims } from './access-token';

/**
 * Verifies bearer tokens: the algorithm is pinned (so `alg: none` and key-confusion tokens
 * fail), and issuer, audience and expiry are checked by passport-jwt / jsonwebtoken.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(config: AppConfig) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: config.jwt.verifyingKey,
      algorithms: [config.jwt.algorithm],
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      ignoreExpiration: false,
    });
  }

  validate(payload: unknown): Caller | false {
    const claims = plainToInstance(AccessTokenClaims, payload);
    if (validateSync(claims).length > 0) return false;
    if (claims.kind === 'user' && !claims.role) return false;
    return {
      id: claims.sub,
      kind: claims.kind,
      agencyId: claims.agencyId,
      role: claims.kind === 'user' ? claims.role : undefined,
      scopes: claims.kind === 'client' ? (claims.scopes ?? []) : [],
    };
  }
}
