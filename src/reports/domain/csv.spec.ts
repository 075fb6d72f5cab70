import { csvCell, toCsv } from './csv';

describe('csv', () => {
  it.each(['=1+2', '+1', '-1', '@SUM(A1)', '\tcmd', '\rcmd', '=HYPERLINK("http://x")'])(
    'defuses the formula %j',
    (value) => {
      const cell = csvCell(value);
      expect(cell.replace(/^"/, '').startsWith("'")).toBe(true);
    },
  );

  it('quotes commas, quotes and line breaks', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('a\nb')).toBe('"a\nb"');
    expect(csvCell('=A1,"x"')).toBe(`"'=A1,""x"""`);
  });

  it('writes numbers and nulls as they are', () => {
    expect(csvCell(0.25)).toBe('0.25');
    expect(csvCell(null)).toBe('');
    expect(
      toCsv([
        ['metric', 'value'],
        ['enrolled', 12],
      ]),
    ).toBe('metric,value\r\nenrolled,12\r\n');
  });
});
