/** Turns a locale object's literal strings into `string`, so other languages can give their own. */
export type Widen<T> = T extends string
  ? string
  : T extends readonly string[]
    ? readonly string[]
    : { [K in keyof T]: Widen<T[K]> };

/**
 * One feature's strings in every language, kept in its own file under `sections/` so features do not
 * edit one shared file; simplified Chinese is the shape the other two must match key for key.
 */
export function localeSection<T>(section: {
  'zh-CN': T;
  'zh-TW': NoInfer<Widen<T>>;
  en: NoInfer<Widen<T>>;
}): { 'zh-CN': T; 'zh-TW': Widen<T>; en: Widen<T> } {
  return section;
}
