import { QueryFailedError } from 'typeorm';
import { loggableError } from './loggable-error';

describe('loggableError', () => {
  it('keeps a database error code and constraint, never the query, its parameters or detail', () => {
    const driverError = Object.assign(new Error('violates check constraint'), {
      code: '23514',
      constraint: 'participants_first_name_check',
      table: 'participants',
      detail: 'Failing row contains (Maria, Lopez, 2011-04-02).',
    });
    const error = new QueryFailedError(
      'INSERT INTO participants ...',
      ['Maria', 'Lopez', '2011-04-02'],
      driverError,
    );
    const logged = JSON.stringify(loggableError(error));
    expect(logged).toContain('23514');
    expect(logged).toContain('participants_first_name_check');
    expect(logged).not.toMatch(/Maria|Lopez|2011-04-02|INSERT/);
  });

  it('keeps message and stack of other errors', () => {
    expect(loggableError(new TypeError('boom'))).toMatchObject({
      name: 'TypeError',
      message: 'boom',
    });
  });
});
