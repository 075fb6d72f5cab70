import { Logger } from '@nestjs/common';
import { SafeTypeOrmLogger } from './safe-typeorm-logger';

describe('SafeTypeOrmLogger', () => {
  it('logs the SQLSTATE and constraint of a failed query, never its parameters', () => {
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const failure = Object.assign(new Error('duplicate key value violates unique constraint'), {
      code: '23505',
      constraint: 'arrest_records_booking_unique',
      table: 'arrest_records',
    });
    new SafeTypeOrmLogger().logQueryError(failure);
    const logged = JSON.stringify(error.mock.calls);
    expect(logged).toContain('23505');
    expect(logged).toContain('arrest_records_booking_unique');
    expect(logged).not.toContain('Maria');
    expect(logged).not.toContain('BK-2026');
    error.mockRestore();
  });
});
