import type { FastifyInstance, FastifyRequest } from 'fastify';

const STATUS_OVERRIDE = Symbol('statusOverride');
type WithOverride = FastifyRequest & { [STATUS_OVERRIDE]?: number };

/**
 * Lets a handler (or an interceptor) answer a success status other than the route's default,
 * e.g. 200 instead of 201 when a re-sent attendance record already exists, or the stored
 * status of an idempotent replay. Nest sets the route's status after interceptors run, so
 * the override is applied in Fastify's onSend hook, the last step before the wire.
 */
export function overrideResponseStatus(request: FastifyRequest, status: number): void {
  (request as WithOverride)[STATUS_OVERRIDE] = status;
}

export function responseStatusOverride(request: FastifyRequest): number | undefined {
  return (request as WithOverride)[STATUS_OVERRIDE];
}

export function applyResponseStatusOverrides(fastify: FastifyInstance): void {
  fastify.addHook('onSend', (request, reply, payload, done) => {
    const status = responseStatusOverride(request);
    // Errors keep their own status: an override only ever replaces a success code.
    if (status !== undefined && reply.statusCode < 400) void reply.code(status);
    done(null, payload);
  });
}
