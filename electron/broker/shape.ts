// Keeping the broker's objects shape-stable for V8, so that what a client's end or a first-time
// event does (queue deletion, channel close, a socket that stops being read) does not throw away
// the optimised per-message code (issue 13; README "Broker — npm run bench:broker").
//
// V8 tracks every object field as "const" until some store changes its value; that first store
// marks the field mutable for every object of the class and deoptimises every optimised function
// that read the field (e.g. Queue.deleted, Channel.closing: set for the first time when the first
// client leaves, they threw away Queue.publish/dispatch and Channel.settle/flushConfirms, then
// recompiled during the next client's burst). Such flags are flipped and restored once here, in
// the constructor, before any code using them is optimised.

/** Marks boolean or numeric fields of `o` mutable for V8 (their values are unchanged). */
export function mutableFields(o: object, ...keys: string[]): void {
  const r = o as Record<string, unknown>;
  for (const k of keys) {
    const v = r[k];
    r[k] = typeof v === 'boolean' ? !v : (v as number) + 1;
    r[k] = v;
  }
}

/**
 * "Not yet" for a time field that later holds Date.now(): 0 as a V8 double (-0 === 0, and is
 * falsy). A field that starts as the small integer 0 changes representation on its first
 * Date.now() (a double): the object gets a new hidden class, and code specialised on the old one
 * (e.g. a consumer's `queue` field typed by the first queue's class) deoptimises.
 */
export const NOT_YET = -0;

/**
 * An empty array already in V8's "any object" elements kind. A fresh `[]` starts as small-integer
 * elements and changes kind on its first push of an object: a list replaced by `[]` on every
 * flush then feeds its push sites two array kinds, and optimised code built on one deoptimises on
 * the other ("not a Smi", "wrong map").
 */
export function objectList<T>(): T[] {
  const a: unknown[] = [null];
  a.length = 0;
  return a as T[];
}
