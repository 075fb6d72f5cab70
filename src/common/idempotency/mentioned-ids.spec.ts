import { mentionedIds } from './mentioned-ids';

const A = '0b6f4c1e-2d3a-4b5c-8d9e-0f1a2b3c4d5e';
const B = 'f0e1d2c3-b4a5-4968-8776-655443322110';
const C = '11111111-2222-3333-4444-555555555555';

describe('mentionedIds', () => {
  it('finds every uuid at any depth, in values, names and longer strings, each once, lower-cased', () => {
    const body = {
      id: A,
      nested: { items: [{ recordId: B.toUpperCase() }, { again: A }] },
      link: `/api/v1/arrest-records/${C}/disclosures`,
      [`by-${B}`]: 1,
    };
    expect(mentionedIds(body).sort()).toEqual([A, B, C].sort());
  });

  it('includes the replayed headers (Location) and ignores numbers, booleans and null', () => {
    expect(
      mentionedIds({ n: 1, ok: true, none: null }, { location: `/x/${A}`, etag: '"3"' }),
    ).toEqual([A]);
  });

  it('answers nothing for a body without ids, or no body', () => {
    expect(mentionedIds({ name: 'Clinic', code: '0b6f4c1e-2d3a' })).toEqual([]);
    expect(mentionedIds(null)).toEqual([]);
    expect(mentionedIds('plain')).toEqual([]);
  });
});
