/** Plain JSON calls to the API (sign-in, probes, seeding the embedded database). */
export interface Answer {
  status: number;
  body: unknown;
}

export async function call(
  base: string,
  method: 'GET' | 'POST',
  path: string,
  options: { token?: string; body?: unknown } = {},
): Promise<Answer> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body };
}

/** Like `call`, but anything other than `expected` is an error naming the call and the answer. */
export async function expectStatus<T = Record<string, unknown>>(
  expected: number,
  base: string,
  method: 'GET' | 'POST',
  path: string,
  options: { token?: string; body?: unknown } = {},
): Promise<T> {
  const answer = await call(base, method, path, options);
  if (answer.status !== expected) {
    throw new Error(
      `${method} ${path} answered ${answer.status}, expected ${expected}: ${JSON.stringify(answer.body).slice(0, 500)}`,
    );
  }
  return answer.body as T;
}

export async function signIn(base: string, email: string, password: string): Promise<string> {
  const body = await expectStatus<{ accessToken: string }>(
    200,
    base,
    'POST',
    '/api/v1/auth/login',
    {
      body: { email, password },
    },
  );
  return body.accessToken;
}

export async function clientToken(base: string, clientId: string, secret: string): Promise<string> {
  const body = await expectStatus<{ access_token: string }>(
    200,
    base,
    'POST',
    '/api/v1/auth/token',
    {
      body: { grant_type: 'client_credentials', client_id: clientId, client_secret: secret },
    },
  );
  return body.access_token;
}
