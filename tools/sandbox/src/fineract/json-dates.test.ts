import { isoDate, parseJavaDate, toDateArray } from './dates';
import { JsonNumber, JsonSyntaxError, parseJson, stringifyJson } from './json';

describe('JSON with exact numbers', () => {
  it('keeps number literals as text and writes them back unchanged', () => {
    const parsed = parseJson('{"amount": 12345678901234567.89, "list": [1, -0.5e2], "s": "a\\u00e9\\n"}');
    expect(parsed).toEqual({
      amount: new JsonNumber('12345678901234567.89'),
      list: [new JsonNumber('1'), new JsonNumber('-0.5e2')],
      s: 'aé\n',
    });
    expect(stringifyJson({ x: new JsonNumber('15000.50'), y: 'text', z: undefined })).toBe(
      '{"x":15000.50,"y":"text"}',
    );
  });

  it.each(['{', '{"a":}', '[1,]', '{"a":1}x', "{'a':1}", '01', '"\u0001"'])('rejects %p', (text) => {
    expect(() => parseJson(text)).toThrow(JsonSyntaxError);
  });
});

describe('Java date patterns', () => {
  it.each([
    ['2024-02-29', 'yyyy-MM-dd', '2024-02-29'],
    ['04 March 2009', 'dd MMMM yyyy', '2009-03-04'],
    ['4 March 2009', 'd MMMM yyyy', '2009-03-04'],
    ['4 march 2009', 'd MMMM yyyy', null],
    ['04 Mar 2009', 'dd MMM yyyy', '2009-03-04'],
    ['31-12-2023', 'dd-MM-yyyy', '2023-12-31'],
    ["2024'01'05", "yyyy''MM''dd", '2024-01-05'],
  ])('parses %p with %p', (value, pattern, expected) => {
    expect(parseJavaDate(value, pattern, 'en')).toBe(expected);
  });

  it('rejects impossible dates, wrong widths, foreign month names and unsupported letters', () => {
    expect(parseJavaDate('2023-02-29', 'yyyy-MM-dd', 'en')).toBeNull();
    expect(parseJavaDate('2023-2-01', 'yyyy-MM-dd', 'en')).toBeNull();
    expect(parseJavaDate('04 März 2009', 'dd MMMM yyyy', 'de')).toBeNull();
    expect(parseJavaDate('2024-01-01 10:00', 'yyyy-MM-dd HH:mm', 'en')).toBeNull();
  });

  it('answers ISO dates as arrays', () => {
    expect(toDateArray('2013-01-01')).toEqual([2013, 1, 1]);
    expect(isoDate(new Date('2024-06-01T23:59:59Z'))).toBe('2024-06-01');
  });
});
