import { findNul, MAX_JSON_DEPTH, scanJsonText } from './input-guard';

describe('scanJsonText', () => {
  it('counts nesting outside strings only', () => {
    expect(scanJsonText('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH))).toBeNull();
    expect(scanJsonText('['.repeat(MAX_JSON_DEPTH + 1) + ']'.repeat(MAX_JSON_DEPTH + 1))).toBe(
      'too_deep',
    );
    expect(scanJsonText(JSON.stringify({ a: '['.repeat(1000) }))).toBeNull();
    expect(scanJsonText(JSON.stringify({ a: 'quote \\" then [[[[' }))).toBeNull();
  });

  it('finds NUL escapes and raw NUL, but not an escaped backslash before "u0000"', () => {
    expect(scanJsonText(JSON.stringify({ a: 'x\u0000' }))).toBe('nul');
    expect(scanJsonText('{"a":"x\u0000"}')).toBe('nul');
    expect(scanJsonText(JSON.stringify({ a: 'x\\u0000' }))).toBeNull();
    expect(scanJsonText(JSON.stringify({ a: 'x\u0001' }))).toBeNull();
  });
});

describe('findNul', () => {
  it('names the first field holding NUL, in values and keys', () => {
    expect(findNul({ a: 'ok', b: ['x', 'y\u0000'] }, 'query')).toBe('query.b.1');
    expect(findNul({ 'k\u0000': 'v' }, 'query')).toBe('query.k');
    expect(findNul({ a: 'ok' }, 'query')).toBeNull();
  });
});
