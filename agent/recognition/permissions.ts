// Permission classes of the gallery: every distinct set of permission groups its users hold gets
// a small integer (reference-counted, reused when freed), stored per row. A query's device
// groups become one byte per class (may the device see this class?), computed once per distinct
// set of device groups and kept until the classes change — so filtering 50,000 rows costs a
// byte lookup per row, not a Set lookup per group per row.
export class PermissionClasses {
  private byKey = new Map<string, number>();
  private members: Array<readonly string[] | null> = [];
  private keys: string[] = [];
  private refs: number[] = [];
  private free: number[] = [];
  private tables = new Map<string, Uint8Array>();

  /** The number of class ids in use or free (every class id is below it). */
  get count(): number {
    return this.members.length;
  }

  /** The class of `groups` (one more reference to it). */
  acquire(groups: readonly string[]): number {
    // most users hold one group: no sorting for them
    const set = groups.length === 1 ? [groups[0]!] : [...new Set(groups)].sort();
    const key = JSON.stringify(set);
    let c = this.byKey.get(key);
    if (c === undefined) {
      c = this.free.pop() ?? this.members.length;
      this.members[c] = set;
      this.keys[c] = key;
      this.refs[c] = 0;
      this.byKey.set(key, c);
      this.tables.clear();
    }
    this.refs[c]!++;
    return c;
  }

  /** One reference fewer to class `c`; at none its id is free for another set. */
  release(c: number): void {
    if (--this.refs[c]! > 0) return;
    this.byKey.delete(this.keys[c]!);
    this.members[c] = null;
    this.free.push(c);
  }

  clear(): void {
    this.byKey.clear();
    this.members = [];
    this.keys = [];
    this.refs = [];
    this.free = [];
    this.tables.clear();
  }

  /** table[c] = 1 when class c holds one of `groups`. Shared: do not change it. */
  allowed(groups: ReadonlySet<string>): Uint8Array {
    const key = JSON.stringify([...groups].sort());
    let t = this.tables.get(key);
    if (t) return t;
    t = new Uint8Array(this.members.length);
    for (let c = 0; c < t.length; c++) {
      const m = this.members[c];
      if (m?.some((g) => groups.has(g))) t[c] = 1;
    }
    if (this.tables.size >= 64) this.tables.clear();
    this.tables.set(key, t);
    return t;
  }
}
