import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { plainToInstance } from 'class-transformer';
import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { validateSync } from 'class-validator';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AppConfig } from '../../common/config/app-config';
import type { Caller } from '../access/caller';
import { AccessTokenClaims } from './access-token';
import { PrincipalStatus } from './principal-status';

function verifyingKeyObject(config: AppConfig): KeyObject {
  return config.jwt.algorithm === 'HS256'
    ? createSecretKey(Buffer.from(config.jwt.verifyingKey, 'utf8'))
    : createPublicKey(config.jwt.verifyingKey);
}

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
      // A key object built once: given a string, jsonwebtoken tries createPublicKey (which
      // throws for an HMAC secret) then createSecretKey on every request (~7% of the CPU of
      // a read under load, measured).
      // (passport-jwt's types lag: it hands the key to jsonwebtoken, whose `Secret` is a KeyObject too.)
      secretOrKey: verifyingKeyObject(config) as unknown as Buffer,
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
