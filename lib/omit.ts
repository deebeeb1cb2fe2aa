// A copy of a record without some of its fields: what a caller sees of a stored item, or the
// part of an answer that is not shown. A typed stand-in for destructuring into unused names.
export function omit<T extends object, K extends keyof T>(record: T, ...keys: readonly K[]): Omit<T, K> {
  const copy: Partial<T> = { ...record };
  for (const key of keys) delete copy[key];
  return copy as Omit<T, K>;
}
