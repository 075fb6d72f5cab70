import { createHash } from 'node:crypto';
import { applyDecorators, createParamDecorator, ExecutionContext } from '@nestjs/common';
import { ApiHeader, ApiPreconditionFailedResponse } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../errors/domain-error';

/**
 * Strong entity tags from a row's version column, and the `If-Match` precondition
 * (RFC 9110 13.1.1): `*` or a list of quoted strong tags, compared strongly, so a weak tag
 * (`W/"3"`) or an unquoted value never matches.
 */
export function etagOf(version: number): string {
  return `"${version}"`;
}

/** `*`, or the strong tags of the header (quotes kept); weak and malformed members are dropped. */
export function parseIfMatch(header: string): '*' | string[] {
  const value = header.trim();
  if (value === '*') return '*';
  const tags: string[] = [];
  for (const match of value.matchAll(/(W\/)?"([^"]*)"|[^,\s]+/g)) {
    if (match[2] !== undefined && !match[1]) tags.push(`"${match[2]}"`);
  }
  return tags;
}

/**
 * A strong tag of a representation without a version of its own (one computed from several
 * rows and the clock, e.g. an enrollment's sealing status): a digest of what it shows, so it
 * moves exactly when the body does.
 */
export function contentEtag(body: unknown): string {
  return `"c-${createHash('sha256').update(JSON.stringify(body)).digest('base64url')}"`;
}

/** True when there is no `If-Match` (it is optional on POSTs) or it names the current tag. */
export function ifMatchSatisfied(header: string | undefined, current: number | string): boolean {
  if (header === undefined || header.trim() === '') return true;
  const tags = parseIfMatch(header);
  const tag = typeof current === 'number' ? etagOf(current) : current;
  return tags === '*' || tags.includes(tag);
}

/**
 * Throws PRECONDITION_FAILED (412) when an `If-Match` was sent and the resource has moved on.
 * `current` is the row version, or a tag (contentEtag) for a representation without one.
 */
export function assertIfMatch(header: string | undefined, current: number | string): void {
  if (!ifMatchSatisfied(header, current)) {
    throw new DomainError(
      'PRECONDITION_FAILED',
      'If-Match does not match the current ETag; read the resource again and retry',
    );
  }
}

/** For PATCH: the header is required (428), then must match (412). */
export function assertIfMatchRequired(header: string | undefined, version: number): void {
  if (header === undefined || header.trim() === '') {
    throw new DomainError('PRECONDITION_REQUIRED', 'Send If-Match with the ETag you last read');
  }
  assertIfMatch(header, version);
}

export function setEtag(reply: FastifyReply, version: number): void {
  void reply.header('etag', etagOf(version));
}

/** A representation and the row version its ETag names (what services hand controllers). */
export interface Versioned<T> {
  body: T;
  version: number;
  /**
   * An ETag naming the representation itself, for a reader shown less than the row: the row's
   * version counts every change (every session recorded, for a milestone), which such a reader
   * must not learn. It matches no If-Match: that reader has not seen the current state.
   */
  etag?: string;
}

/** Sets a content ETag (contentEtag) and returns the body. */
export function withContentEtag<T>(reply: FastifyReply, body: T): T {
  void reply.header('etag', contentEtag(body));
  return body;
}

/** Sets the ETag and returns the body: `return withEtag(reply, await service.get(...))`. */
export function withEtag<T>(reply: FastifyReply, versioned: Versioned<T>): T {
  if (versioned.etag !== undefined) void reply.header('etag', versioned.etag);
  else setEtag(reply, versioned.version);
  return versioned.body;
}

/** Reads the raw `If-Match` header (the factory of @IfMatch; the route table test looks for it). */
export function readIfMatch(_data: unknown, context: ExecutionContext): string | undefined {
  const header = context.switchToHttp().getRequest<FastifyRequest>().headers['if-match'];
  return Array.isArray(header) ? header.join(', ') : header;
}

/** The raw `If-Match` header of the request, or undefined. */
export const IfMatch = createParamDecorator(readIfMatch);

/** OpenAPI for a state-changing route that accepts an optional `If-Match`. */
export const ApiIfMatch = () =>
  applyDecorators(
    ApiHeader({
      name: 'If-Match',
      required: false,
      description: 'ETag last read; the change is refused (412) if the resource has changed since',
    }),
    ApiPreconditionFailedResponse({ description: 'If-Match does not match the current ETag' }),
  );

/** OpenAPI `headers` of a response that carries the resource's ETag (components.headers.ETag). */
export const ETAG_RESPONSE_HEADERS = { ETag: { $ref: '#/components/headers/ETag' } };
