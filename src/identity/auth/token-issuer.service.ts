import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AppConfig } from '../../common/config/app-config';
import type { Role, Scope } from '../access/roles-and-scopes';

export interface IssuedToken {
  token: string;
  expiresIn: number;
}

/** Signs short-lived access tokens for people and machine clients. */
@Injectable()
export class TokenIssuer {
  constructor(
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
  ) {}

  async forUser(user: {
    id: string;
    role: Role;
    agencyId: string;
    tokenVersion: number;
  }): Promise<IssuedToken> {
    return this.sign(user.id, {
      kind: 'user',
      role: user.role,
      agencyId: user.agencyId,
      ver: user.tokenVersion,
    });
  }

  async forClient(
    client: { id: string; agencyId: string; tokenVersion: number },
    scopes: Scope[],
  ): Promise<IssuedToken> {
    return this.sign(client.id, {
      kind: 'client',
      scopes,
      agencyId: client.agencyId,
      ver: client.tokenVersion,
    });
  }

  private async sign(subject: string, claims: Record<string, unknown>): Promise<IssuedToken> {
    const { algorithm, signingKey, ttlSeconds, issuer, audience } = this.config.jwt;
    const token = await this.jwt.signAsync(claims, {
      subject,
      algorithm,
      secret: algorithm === 'HS256' ? signingKey : undefined,
      privateKey: algorithm === 'RS256' ? signingKey : undefined,
      expiresIn: ttlSeconds,
      issuer,
      audience,
    });
    return { token, expiresIn: ttlSeconds };
  }
}
