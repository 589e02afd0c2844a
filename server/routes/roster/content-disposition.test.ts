import { describe, expect, it } from 'vitest';
import { attachment } from './content-disposition.js';

describe('attachment', () => {
  it('gives the UTF-8 name in RFC 5987 form and the ASCII one in quotes', () => {
    expect(attachment('灵山社区-住户花名册-2026-03-05.xlsx', 'roster-2026-03-05.xlsx')).toBe(
      `attachment; filename="roster-2026-03-05.xlsx"; filename*=UTF-8''%E7%81%B5%E5%B1%B1%E7%A4%BE%E5%8C%BA-%E4%BD%8F%E6%88%B7%E8%8A%B1%E5%90%8D%E5%86%8C-2026-03-05.xlsx`,
    );
  });

  it("encodes what encodeURIComponent leaves alone but RFC 5987 forbids: ' ( ) *", () => {
    expect(attachment("O'Brien (1)*.xlsx", 'x.xlsx')).toContain(
      "filename*=UTF-8''O%27Brien%20%281%29%2A.xlsx",
    );
  });

  it('cannot be broken out of: quotes, backslashes, slashes and line breaks are replaced', () => {
    const header = attachment('a/b\\c\r\nSet-Cookie: x.xlsx', 'a"b\\c/d\r\n社.xlsx');
    expect(header).toBe(
      `attachment; filename="a_b_c_d___.xlsx"; filename*=UTF-8''a_b_c__Set-Cookie%3A%20x.xlsx`,
    );
  });
});
