/** A newest-first list that keeps at most `limit` items: a feed that runs for days does not
 * grow memory. */
export class BoundedList<T> {
  private items: T[] = [];

  constructor(readonly limit: number) {
    if (limit < 1) throw new Error("limit must be at least 1");
  }

  push(item: T): void {
    this.items.unshift(item);
    if (this.items.length > this.limit) this.items.length = this.limit;
  }

  get size(): number {
    return this.items.length;
  }

  toArray(): T[] {
    return this.items.slice();
  }

  clear(): void {
    this.items = [];
  }
}

/** A set of the last `limit` keys seen (insertion order); older keys are forgotten. */
export class BoundedSet<K> {
  private keys = new Set<K>();

  constructor(readonly limit: number) {}

  /** True when `key` is new (and remembers it). */
  add(key: K): boolean {
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    if (this.keys.size > this.limit) {
      const oldest = this.keys.values().next().value as K;
      this.keys.delete(oldest);
    }
    return true;
  }

  get size(): number {
    return this.keys.size;
  }
}
