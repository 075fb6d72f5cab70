import { DomainError } from '../errors/domain-error';
import {
  assertIfMatch,
  assertIfMatchRequired,
  etagOf,
  ifMatchSatisfied,
  parseIfMatch,
} from './etag';

describe('ETag and If-Match', () => {
  it('formats a strong quoted tag from the version', () => {
    expect(etagOf(1)).toBe('"1"');
    expect(etagOf(42)).toBe('"42"');
  });

  it('parses *, one tag and lists, dropping weak and malformed members', () => {
    expect(parseIfMatch('*')).toBe('*');
    expect(parseIfMatch(' "3" ')).toEqual(['"3"']);
    expect(parseIfMatch('"1", "2","3"')).toEqual(['"1"', '"2"', '"3"']);
    expect(parseIfMatch('W/"3"')).toEqual([]);
    expect(parseIfMatch('W/"3", "4"')).toEqual(['"4"']);
    expect(parseIfMatch('3')).toEqual([]);
  });

  it('is satisfied by no header, *, or a list naming the current version', () => {
    expect(ifMatchSatisfied(undefined, 3)).toBe(true);
    expect(ifMatchSatisfied('', 3)).toBe(true);
    expect(ifMatchSatisfied('*', 3)).toBe(true);
    expect(ifMatchSatisfied('"3"', 3)).toBe(true);
    expect(ifMatchSatisfied('"1", "3"', 3)).toBe(true);
    expect(ifMatchSatisfied('"2"', 3)).toBe(false);
    expect(ifMatchSatisfied('"33"', 3)).toBe(false);
    expect(ifMatchSatisfied('W/"3"', 3)).toBe(false);
    expect(ifMatchSatisfied('3', 3)).toBe(false);
  });

  it('refuses a stale tag with 412 and a missing one, where required, with 428', () => {
    expect(() => assertIfMatch('"2"', 3)).toThrow(DomainError);
    try {
      assertIfMatch('"2"', 3);
    } catch (error) {
      expect((error as DomainError).code).toBe('PRECONDITION_FAILED');
    }
    expect(() => assertIfMatch(undefined, 3)).not.toThrow();
    try {
      assertIfMatchRequired(undefined, 3);
      throw new Error('expected a throw');
    } catch (error) {
      expect((error as DomainError).code).toBe('PRECONDITION_REQUIRED');
    }
    expect(() => assertIfMatchRequired('"3"', 3)).not.toThrow();
  });
});
