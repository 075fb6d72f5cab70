/**
 * Jest setup for the e2e project (jest.config.js, setupFilesAfterEnv): a test fails if the
 * logs its apps wrote hold a JWT, a password or secret, or personal data the test support
 * sent (test/support/log-capture.ts). The offending line is shown with the value redacted.
 */
import { takeLogViolations } from './log-capture';

function failOnLeaks(): void {
  const violations = takeLogViolations();
  if (violations.length > 0) {
    throw new Error(
      `${violations.length} log line(s) hold a secret or personal data:\n${violations.join('\n')}`,
    );
  }
}

afterEach(failOnLeaks);
afterAll(failOnLeaks);
