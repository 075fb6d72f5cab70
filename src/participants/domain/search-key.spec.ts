import { prefixPattern, searchKey } from './search-key';

describe('searchKey', () => {
  it('lower-cases and strips accents', () => {
    expect(searchKey('José')).toBe('jose');
    expect(searchKey('MUÑOZ')).toBe('munoz');
    expect(searchKey('Zoë Ångström')).toBe('zoe angstrom');
  });

  it('handles decomposed input the same as composed', () => {
    expect(searchKey('Jose\u0301')).toBe(searchKey('Jos\u00e9'));
  });

  it('trims surrounding whitespace', () => {
    expect(searchKey('  Ana ')).toBe('ana');
  });
});

describe('prefixPattern', () => {
  it('is the search key followed by %', () => {
    expect(prefixPattern('Jos')).toBe('jos%');
    expect(prefixPattern('LÓP')).toBe('lop%');
  });

  it("escapes LIKE's own wildcards and the escape character", () => {
    expect(prefixPattern('a%b')).toBe('a\\%b%');
    expect(prefixPattern('a_b')).toBe('a\\_b%');
    expect(prefixPattern('a\\b')).toBe('a\\\\b%');
  });
});
