import { createServer } from 'node:http';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { describeError, log } from './log.js';

/** Webhook bodies are small JSON documents; anything larger is not from First Step. */
const MAX_BODY_BYTES = 256 * 1024;

/**
 * The webhook endpoint: `POST <path of PUBLIC_WEBHOOK_URL>`.
 *
 * Every delivery is verified with the Standard Webhooks reference library against the exact
 * bytes received (signature over "<webhook-id>.<webhook-timestamp>.<body>", timestamp within
 * five minutes) before anything in it is trusted. Then the event is handled, and the answer
 * tells First Step what to do: 2xx = delivered; anything else = retry later (with backoff, for
 * at least 24 hours). A forged or stale delivery gets 400 and is never handled.
 */
export function startWebhookServer({ host, port, path, secret, processor }) {
  const verifier = new Webhook(secret);
  const server = createServer((req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && pathname === '/health') return reply(res, 200);
    if (pathname !== path) return reply(res, 404);
    if (req.method !== 'POST') return reply(res, 405);
    readBody(req, MAX_BODY_BYTES)
      .then(
        (body) => receive(verifier, processor, req.headers, body, res),
        () => reply(res, 413, { connection: 'close' }),
      )
      .catch((error) => {
        log.error('webhook handling failed', describeError(error));
        reply(res, 500);
      });
  });
  // Answer First Step within its 10-second timeout even if the API is slow for us.
  server.requestTimeout = 15_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

async function receive(verifier, processor, headers, body, res) {
  const signed = {
    'webhook-id': headerValue(headers['webhook-id']),
    'webhook-timestamp': headerValue(headers['webhook-timestamp']),
    'webhook-signature': headerValue(headers['webhook-signature']),
  };
  let event;
  try {
    event = verifier.verify(body, signed);
  } catch (error) {
    if (!(error instanceof WebhookVerificationError) && !(error instanceof SyntaxError))
      throw error;
    log.warn('webhook refused: verification failed', { reason: error.message });
    return reply(res, 400);
  }
  // The signed webhook-id is the event id: the key both delivery paths de-duplicate on.
  if (event?.id !== signed['webhook-id']) {
    log.warn('webhook refused: webhook-id does not match the event id');
    return reply(res, 400);
  }
  try {
    await processor.process(event, 'webhook');
    reply(res, 204);
  } catch (error) {
    log.warn('webhook not processed, First Step will retry', {
      eventId: event.id,
      ...describeError(error),
    });
    reply(res, 503);
  }
}

function headerValue(value) {
  return Array.isArray(value) ? value.join(' ') : (value ?? '');
}

function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > limit) {
        // Stop keeping it, let the rest drain, and answer 413.
        req.removeAllListeners('data');
        req.resume();
        reject(new Error('body too large'));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function reply(res, status, headers = {}) {
  if (!res.headersSent) res.writeHead(status, headers).end();
}
