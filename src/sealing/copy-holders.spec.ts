import { agenciesHoldingCopies } from './copy-holders';

describe('agenciesHoldingCopies', () => {
  const record = { id: 'ar-1', arrestingAgencyId: 'police', ownerAgencyId: 'da' };

  it('always notifies the arresting agency, even with no known recipients', () => {
    expect(agenciesHoldingCopies(record)).toEqual(['police']);
  });

  it('adds other recipients once each, after the arresting agency', () => {
    expect(agenciesHoldingCopies(record, ['probation', 'police', 'ngo', 'probation'])).toEqual([
      'police',
      'probation',
      'ngo',
    ]);
  });

  it('notifies the owning agency only when it appears as a recipient (its systems pulled the record)', () => {
    expect(agenciesHoldingCopies(record)).not.toContain('da');
    expect(agenciesHoldingCopies(record, ['da'])).toEqual(['police', 'da']);
  });

  it('notifies the arresting agency even when it also owns the record', () => {
    expect(agenciesHoldingCopies({ ...record, ownerAgencyId: 'police' })).toEqual(['police']);
  });

  it('never notifies the court that ordered the sealing, even when its clerks read the record', () => {
    expect(agenciesHoldingCopies(record, ['court-a', 'probation'], 'court-a')).toEqual([
      'police',
      'probation',
    ]);
    // Another court that took a copy is still a copy holder.
    expect(agenciesHoldingCopies(record, ['court-b'], 'court-a')).toEqual(['police', 'court-b']);
  });
});
