/**
 * JSON lines on stdout. Callers pass ids, event types, statuses and counts only: events carry
 * no names, and this program must never log tokens, secrets or anything it reads from its own
 * records system about the person (booking numbers, names, dates of birth).
 */
function write(level, message, fields = {}) {
  const line = { time: new Date().toISOString(), level, message, ...fields };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

export const log = {
  info: (message, fields) => write('info', message, fields),
  warn: (message, fields) => write('warn', message, fields),
  error: (message, fields) => write('error', message, fields),
};

/** What may be logged of an error: its class, HTTP status and problem type, never a body. */
export function describeError(error) {
  return {
    error: error?.name ?? 'Error',
    ...(error?.status ? { status: error.status } : {}),
    ...(error?.problemType ? { problemType: error.problemType } : {}),
    ...(error?.code ? { code: error.code } : {}),
  };
}
