import type { Response } from 'supertest';
import type { TestApp } from './test-app';

/** A well-formed id that names nothing: what a sealed or out-of-scope record must look like. */
export const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

/** Asserts an RFC 9457 answer whose `type` names the given rule (kebab-case code). */
export function expectProblem(res: Response, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body.type).toMatch(new RegExp(`:${code}$`));
}

/** Requests sent with one caller's bearer token. */
export function actingAs(t: TestApp, token: string) {
  return {
    get: (url: string) => t.http.get(url).auth(token, { type: 'bearer' }),
    post: (url: string, body: object = {}, headers: Record<string, string> = {}) =>
      t.http.post(url).auth(token, { type: 'bearer' }).set(headers).send(body),
  };
}
