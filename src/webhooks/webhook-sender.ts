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

/** The error of an attempt cut short because this instance is shutting down. */
export const INTERRUPTED_BY_SHUTDOWN = 'interrupted: the sending instance shut down';

/**
 * POSTs one webhook. The destination is checked again at delivery time, on the address the
 * connection actually uses (a custom DNS lookup), so a name that later resolves to a private
 * address (DNS rebinding) is refused too.
 *
 * `WEBHOOK_TIMEOUT_MS` bounds the whole attempt, from DNS lookup to the status line: a
 * receiver that accepts the connection and never answers, or trickles its answer a byte at a
 * time, is cut off at the deadline (a socket idle timeout alone would wait forever for the
 * trickle). The attempt is decided by the status code; the body is drained, never stored, and
 * cut off at the same deadline.
 */
@Injectable()
export class WebhookSender {
  constructor(private readonly config: AppConfig) {}

  async post(
    rawUrl: string,
    headers: Record<string, string>,
    body: string,
    signal?: AbortSignal,
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
    if (signal?.aborted) return done(null, INTERRUPTED_BY_SHUTDOWN);
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
      let settled = false;
      const settle = (outcome: AttemptOutcome) => {
        if (settled) return;
        settled = true;
        resolve(outcome);
      };
      const client = url.protocol === 'https:' ? https : http;
      const request = client.request(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'first-step-webhooks/1',
          ...headers,
        },
        lookup: guardedLookup,
      });
      const deadline = setTimeout(
        () => request.destroy(new Error(`timed out after ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onAbort = () => request.destroy(new Error(INTERRUPTED_BY_SHUTDOWN));
      signal?.addEventListener('abort', onAbort, { once: true });
      const finish = () => {
        clearTimeout(deadline);
        signal?.removeEventListener('abort', onAbort);
      };
      request.on('response', (response) => {
        settle(done(response.statusCode ?? null, null));
        response.on('error', () => undefined);
        response.on('close', finish);
        response.resume();
      });
      request.on('error', (error) => {
        finish();
        settle(done(null, error.message.slice(0, 500)));
      });
      request.end(body);
    });
  }
}
