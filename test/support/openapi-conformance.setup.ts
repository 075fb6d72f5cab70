/**
 * Jest setup for the e2e project (jest.config.js, setupFilesAfterEnv): every test fails if a
 * response it (or its beforeAll/beforeEach) caused disagrees with docs/openapi.json. The
 * checks run in a hook every app from `startTestApp` carries (test/support/openapi-conformance.ts).
 */
import { formatViolations, takeViolations } from './openapi-conformance';

function failOnViolations(): void {
  const violations = takeViolations();
  if (violations.length > 0) {
    throw new Error(
      `${violations.length} response(s) disagree with docs/openapi.json:\n${formatViolations(violations)}`,
    );
  }
}

afterEach(failOnViolations);
afterAll(failOnViolations);
