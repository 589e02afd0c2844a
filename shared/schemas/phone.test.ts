import { describe, expect, it } from 'vitest';
import { isMainlandMobile, mainlandMobileSchema, maskPhone, normalizePhone } from './phone.js';

describe('phone numbers', () => {
  it.each([
    ['13812341234', '13812341234'],
    ['138 1234 1234', '13812341234'],
    ['138-1234-1234', '13812341234'],
    ['+86 138 1234 1234', '13812341234'],
    ['0086-13812341234', '13812341234'],
    ['8613812341234', '13812341234'],
  ])('normalises %j', (input, expected) => {
    expect(normalizePhone(input)).toBe(expected);
    expect(mainlandMobileSchema.parse(input)).toBe(expected);
  });

  it.each(['12812341234', '1381234123', '23812341234', '021-12345678', '138123412345'])(
    'refuses %j as a mainland mobile number',
    (input) => {
      expect(isMainlandMobile(normalizePhone(input))).toBe(false);
      expect(mainlandMobileSchema.safeParse(input).success).toBe(false);
    },
  );

  it('masks the middle four digits', () => {
    expect(maskPhone('13812341234')).toBe('138****1234');
  });
});
