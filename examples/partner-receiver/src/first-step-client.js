import { setTimeout as sleep } from 'node:timers/promises';
import { REQUIRED_SCOPES } from './config.js';

/** Renew the token once this share of its lifetime has passed (there are no refresh tokens). */
const RENEW_AT_SHARE_OF_LIFETIME = 0.8;
/** Attempts of one request that may safely be repeated (GET, DELETE, POST with Idempotency-Key). */
const MAX_ATTEMPTS = 4;

/** A non-2xx answer. `problem` is the RFC 9457 body (or the OAuth error body of /auth/token). */
export class ApiError extends Error {
  constructor(method, path, status, problem, retryAfterSeconds = undefined) {
    super(`${method} ${path} answered ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
    /** e.g. urn:problem-type:first-step:sealing-notice-already-acknowledged */
    this.problemType = typeof problem?.type === 'string' ? problem.type : undefined;
    /** From a 429's Retry-After header. */
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** True when the problem `type` names this rule (its last segment, kebab case). */
  is(code) {
    return this.problemType?.endsWith(`:${code}`) ?? false;
  }

  /** Worth retrying later: the server or the network, not this request. */
  get transient() {
    return this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

/**
 * The First Step API as this program uses it: OAuth 2.0 client credentials with a token
 * renewed before it expires, JSON in and out, a timeout on every call, and retries with
 * backoff for requests that are safe to repeat.
 */
export class FirstStepClient {
  #config;
  #token = null;
  #renewing = null;

  constructor(config) {
    this.#config = config;
  }

  get(path, query) {
    return this.request('GET', path, { query });
  }

  delete(path) {
    return this.request('DELETE', path);
  }

  /**
   * A POST is repeated on failure only when it carries an Idempotency-Key.
   * @param {string} path
   * @param {unknown} body
   * @param {{ idempotencyKey?: string }} [options]
   */
  post(path, body, options = {}) {
    return this.request('POST', path, { body, idempotencyKey: options.idempotencyKey });
  }

  /**
   * @param {string} method
   * @param {string} path
   * @param {{ query?: Record<string, unknown>, body?: unknown, idempotencyKey?: string }} [options]
   * @returns {Promise<{ status: number, body: any, headers: Headers }>}
   */
  async request(method, path, options = {}) {
    const { query, body, idempotencyKey } = options;
    const repeatable = method !== 'POST' || idempotencyKey !== undefined;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.#send(method, path, { query, body, idempotencyKey });
      } catch (error) {
        const transient = error instanceof ApiError ? error.transient : isNetworkError(error);
        if (!repeatable || !transient || attempt >= MAX_ATTEMPTS) throw error;
        await sleep(retryDelayMs(error, attempt));
      }
    }
  }

  /** A valid access token, renewed once 80% of its lifetime has passed. */
  async accessToken() {
    if (this.#token && Date.now() < this.#token.renewAt) return this.#token.value;
    // One renewal at a time, shared by every request that needs it.
    this.#renewing ??= this.#requestToken().finally(() => (this.#renewing = null));
    return (await this.#renewing).value;
  }

  async #requestToken() {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.#config.clientId,
      client_secret: this.#config.clientSecret,
      scope: REQUIRED_SCOPES.join(' '),
    });
    const requestedAt = Date.now();
    const response = await fetch(`${this.#config.apiBaseUrl}/api/v1/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form,
      signal: AbortSignal.timeout(this.#config.requestTimeoutMs),
    });
    const body = await readBody(response);
    if (!response.ok) throw new ApiError('POST', '/api/v1/auth/token', response.status, body);
    const lifetimeMs = body.expires_in * 1000;
    this.#token = {
      value: body.access_token,
      renewAt: requestedAt + lifetimeMs * RENEW_AT_SHARE_OF_LIFETIME,
    };
    return this.#token;
  }

  async #send(method, path, { query, body, idempotencyKey }, retriedAuth = false) {
    const url = new URL(`${this.#config.apiBaseUrl}${path}`);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null) url.searchParams.set(name, String(value));
    }
    const headers = {
      authorization: `Bearer ${await this.accessToken()}`,
      accept: 'application/json, application/problem+json',
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
    const response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.#config.requestTimeoutMs),
    });
    const parsed = await readBody(response);
    if (response.status === 401 && !retriedAuth) {
      // Expired early, or the client's secret was rotated: one fresh token, one more try.
      this.#token = null;
      return this.#send(method, path, { query, body, idempotencyKey }, true);
    }
    if (!response.ok) {
      const retryAfter = Number(response.headers.get('retry-after')) || undefined;
      throw new ApiError(method, url.pathname, response.status, parsed, retryAfter);
    }
    return { status: response.status, body: parsed, headers: response.headers };
  }
}

async function readBody(response) {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function isNetworkError(error) {
  // fetch rejects with a TypeError on a network failure, and a TimeoutError on our timeout.
  return error?.name === 'TypeError' || error?.name === 'TimeoutError';
}

/** Retry-After when the server gives one (429), else 0.5 s, 1 s, 2 s ... with jitter. */
function retryDelayMs(error, attempt) {
  if (error?.retryAfterSeconds) return error.retryAfterSeconds * 1000;
  return Math.round(500 * 2 ** (attempt - 1) * (0.8 + 0.4 * Math.random()));
}
