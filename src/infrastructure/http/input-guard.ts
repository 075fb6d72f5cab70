import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parse as parseForm } from 'node:querystring';
import { DomainError } from '../../common/errors/domain-error';

/**
 * Deepest JSON nesting any request body may have. No operation needs more than a handful of
 * levels; without a limit, a body nested thousands deep overflowed the stack of the code that
 * walks it (validation, request fingerprints) and answered 500, unauthenticated on
 * `/auth/login` too.
 */
export const MAX_JSON_DEPTH = 32;

export type JsonTextFault = 'too_deep' | 'nul';

/**
 * One pass over JSON text before it is parsed: its nesting depth (objects and arrays) and
 * NUL characters in strings (`\u0000` escapes, or a raw NUL). PostgreSQL's `text` cannot hold
 * NUL, so one reaching a query was a 500; refused here for every field at once.
 */
export function scanJsonText(text: string, maxDepth = MAX_JSON_DEPTH): JsonTextFault | null {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0) return 'nul';
    if (inString) {
      if (c === 0x5c /* \ */) {
        if (text.charCodeAt(i + 1) === 0x75 /* u */ && text.slice(i + 2, i + 6) === '0000') {
          return 'nul';
        }
        i++; // the escaped character
      } else if (c === 0x22 /* " */) {
        inString = false;
      }
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > maxDepth) return 'too_deep';
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    }
  }
  return null;
}

/** The first place in a parsed value (query, path, form body) where a string holds NUL. */
export function findNul(value: unknown, path = '', depth = 0): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path || 'value' : null;
  if (value === null || typeof value !== 'object' || depth > MAX_JSON_DEPTH) return null;
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const childPath = path ? `${path}.${key}` : key;
    if (key.includes('\u0000')) return childPath.split('\u0000').join('');
    const found = findNul(child, childPath, depth + 1);
    if (found) return found;
  }
  return null;
}

function faultError(fault: JsonTextFault, field = 'body'): DomainError {
  return fault === 'too_deep'
    ? new DomainError(
        'VALIDATION_FAILED',
        `The JSON body is nested more than ${MAX_JSON_DEPTH} levels deep`,
        [{ field, message: `must not be nested more than ${MAX_JSON_DEPTH} levels deep` }],
      )
    : new DomainError('VALIDATION_FAILED', 'Text must not contain NUL characters', [
        { field, message: 'must not contain NUL characters' },
      ]);
}

/**
 * Installs the body parsers and the guard on every route, authenticated or not (the app is
 * created with Nest's own parsers off): JSON bodies are scanned before Fastify's parser
 * (which keeps its prototype-poisoning protection) runs; form bodies (the token endpoint) are
 * parsed as Nest did; query strings, path parameters and form bodies are checked for NUL once
 * parsed, before validation and authentication.
 */
export function installInputGuard(fastify: FastifyInstance): void {
  const defaultJsonParser = fastify.getDefaultJsonParser('error', 'error');
  fastify.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request: FastifyRequest, body: string | Buffer, done) => {
      done(null, { ...parseForm(typeof body === 'string' ? body : body.toString('utf8')) });
    },
  );
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'string' },
    (request: FastifyRequest, body: string | Buffer, done) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      const fault = scanJsonText(text);
      if (fault) {
        done(faultError(fault), undefined);
        return;
      }
      void defaultJsonParser(request, text, done);
    },
  );
  fastify.addHook('preValidation', (request: FastifyRequest, _reply: FastifyReply, done) => {
    const where =
      findNul(request.query, 'query') ??
      findNul(request.params, 'path') ??
      (typeof request.body === 'object' && !isJson(request) ? findNul(request.body) : null);
    done(where ? faultError('nul', where) : undefined);
  });
}

function isJson(request: FastifyRequest): boolean {
  return /^application\/json/i.test(request.headers['content-type'] ?? '');
}
