/**
 * Configuration, from environment variables only, checked once at start: a missing or bad
 * value stops the program with a message naming the variable (and never echoes a secret).
 */

/** The scopes this program asks for; its machine client must hold all three. */
export const REQUIRED_SCOPES = ['webhooks:manage', 'events:read', 'sealing:ack'];

/** What a law-enforcement agency receives (docs/integration.md, "Which events your agency receives"). */
export const SUBSCRIBED_EVENTS = [
  'arrest_record.sealed',
  'sealing_notice.acknowledged',
  'sealing_notice.overdue',
];

export class ConfigError extends Error {}

/**
 * @param {Record<string, string | undefined>} env
 */
export function readConfig(env) {
  const problems = [];
  const required = (name) => {
    const value = env[name]?.trim();
    if (!value) problems.push(`${name} is required`);
    return value ?? '';
  };
  const url = (name, value) => {
    try {
      const parsed = new URL(value);
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error();
      return parsed;
    } catch {
      if (value) problems.push(`${name} must be an http(s) URL`);
      return undefined;
    }
  };
  const integer = (name, fallback, min, max) => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer from ${min} to ${max}`);
    }
    return value;
  };

  const apiUrl = url('FIRST_STEP_API_URL', required('FIRST_STEP_API_URL'));
  const clientId = required('FIRST_STEP_CLIENT_ID');
  const clientSecret = required('FIRST_STEP_CLIENT_SECRET');
  const publicWebhookUrl = url('PUBLIC_WEBHOOK_URL', required('PUBLIC_WEBHOOK_URL'));
  const config = {
    /** The API's base, e.g. https://first-step.county.gov; paths add /api/v1/... */
    apiBaseUrl: apiUrl ? apiUrl.href.replace(/\/+$/, '') : '',
    clientId,
    clientSecret,
    /** Where First Step sends webhooks: this program's endpoint as the internet sees it. */
    publicWebhookUrl: publicWebhookUrl?.href ?? '',
    /** The path this program serves, taken from the public URL (a proxy may sit in front). */
    webhookPath: publicWebhookUrl?.pathname ?? '/',
    host: env.HOST?.trim() || '127.0.0.1',
    port: integer('PORT', 8080, 0, 65535),
    stateFile: env.STATE_FILE?.trim() || './partner-state.json',
    feedPollIntervalMs: integer('FEED_POLL_INTERVAL_MS', 30_000, 100, 86_400_000),
    requestTimeoutMs: integer('REQUEST_TIMEOUT_MS', 10_000, 100, 120_000),
  };
  if (problems.length > 0) throw new ConfigError(problems.join('; '));
  return config;
}
