/** The nine scenarios (九大场景) of the future-community model, used as the category list everywhere. */
export const CATEGORIES = [
  'neighbourhood',
  'education',
  'health',
  'enterprise',
  'buildings',
  'transport',
  'lowCarbon',
  'services',
  'governance',
] as const;

export type Category = (typeof CATEGORIES)[number];

export function isCategory(value: string): value is Category {
  return (CATEGORIES as readonly string[]).includes(value);
}
