import { Injectable } from '@nestjs/common';
import { lookup as dnsLookup, LookupAddress } from 'node:dns';
import * as http from 'node:http';
import * as https from 'node:https';
import type { LookupFunction } from 'node:net';
import { AppConfig } from '../common/config/app-config';
import { checkUrlShape, isForbiddenAddress } from './domain/destination-guard';

export interface AttemptOutcome {
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
}

/**
 * POSTs one webhook. The destination is checked again at delivery time, on the address the
 * connection actually uses (a custom DNS lookup), so a name that later resolves to a private
 * address (DNS rebinding) is refused too. Responses are drained and never stored.
 */
@Injectable()
export class WebhookSender {
  constructor(private readonly config: AppConfig) {}

  async post(
    rawUrl: string,
    headers: Record<string, string>,
    body: string,
  ): Promise<AttemptOutcome> {
    const started = Date.now();
    const done = (statusCode: number | null, error: string | null): AttemptOutcome => ({
      statusCode,
      latencyMs: Date.now() - started,
      error,
    });
    const { allowPrivateAddresses, requireHttps, timeoutMs } = this.config.webhooks;
    const shape = checkUrlShape(rawUrl, { allowPrivateAddresses, requireHttps });
    if ('problem' in shape) return done(null, `destination refused: ${shape.problem}`);
    const url = shape.url;

    const guardedLookup: LookupFunction = (hostname, options, callback) => {
      dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
        if (error) return callback(error, '', 0);
        const usable = allowPrivateAddresses
          ? addresses
          : addresses.filter((a) => !isForbiddenAddress(a.address));
        if (usable.length === 0) {
          return callback(
            Object.assign(new Error('destination refused: address_not_allowed'), {
              code: 'EADDRNOTALLOWED',
            }),
            '',
            0,
          );
        }
        if ((options as { all?: boolean }).all)
          return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, usable);
        callback(null, usable[0].address, usable[0].family);
      });
    };

    return new Promise<AttemptOutcome>((resolve) => {
      const client = url.protocol === 'https:' ? https : http;
      const request = client.request(
        url,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'first-step-webhooks/1',
            ...headers,
          },
          lookup: guardedLookup,
          timeout: timeoutMs,
        },
        (response) => {
          response.resume();
          response.on('end', () => resolve(done(response.statusCode ?? null, null)));
          response.on('error', (error) =>
            resolve(done(response.statusCode ?? null, error.message)),
          );
        },
      );
      request.on('timeout', () => request.destroy(new Error(`timed out after ${timeoutMs} ms`)));
      request.on('error', (error) => resolve(done(null, error.message.slice(0, 500))));
      request.end(body);
    });
  }
}
