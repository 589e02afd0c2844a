import { z } from 'zod';

/** Mainland China mobile numbers: 11 digits, `1` then `3`–`9`. */
export const MAINLAND_MOBILE = /^1[3-9]\d{9}$/;

/** Drops spaces, dashes and a +86/0086 prefix, the ways people actually write their number. */
export function normalizePhone(input: string): string {
  const digits = input.replace(/[\s\-()（）]/g, '').replace(/^(\+86|0086)/, '');
  return digits.length === 13 && digits.startsWith('86') ? digits.slice(2) : digits;
}

export const isMainlandMobile = (phone: string): boolean => MAINLAND_MOBILE.test(phone);

/** `13812341234` → `138****1234`: the only form any output ever shows. */
export function maskPhone(phone: string): string {
  return `${phone.slice(0, 3)}****${phone.slice(-4)}`;
}

/** Accepts what a person types and yields the bare 11-digit number. */
export const mainlandMobileSchema = z
  .string()
  .max(32)
  .transform(normalizePhone)
  .refine(isMainlandMobile, 'expected a mainland mobile number (11 digits starting with 13–19)');
