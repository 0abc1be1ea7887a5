// A FIFO with O(1) push/shift (array + moving head, compacted now and then).
import { objectList } from './shape';

export class Deque<T> {
  private items: (T | undefined)[] = objectList();
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(v: T): void {
    this.items.push(v);
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const v = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return v;
  }

  clear(): T[] {
    const out = this.items.slice(this.head) as T[];
    this.items = objectList();
    this.head = 0;
    return out;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i] as T;
  }
}

/** Inserts into an array kept sorted by `id`. */
export function insertSorted<T extends { id: number }>(arr: T[], v: T): void {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid]!.id < v.id) lo = mid + 1;
    else hi = mid;
  }
  arr.splice(lo, 0, v);
}
