/**
 * Photos waiting to be sent with a queued report. They live in IndexedDB (a camera photo is
 * megabytes: far too big for localStorage, where the queue itself is), keyed by
 * `<report id>/<n>`, and are removed once the server has the report. A browser without
 * IndexedDB keeps them in memory: they then survive going offline, not a reload.
 */
const DB = "yingji-phone";
const STORE = "photos";

export interface PhotoStore {
  put(key: string, blob: Blob): Promise<void>;
  get(key: string): Promise<Blob | null>;
  remove(key: string): Promise<void>;
}

class MemoryPhotos implements PhotoStore {
  private readonly blobs = new Map<string, Blob>();
  async put(key: string, blob: Blob) {
    this.blobs.set(key, blob);
  }
  async get(key: string) {
    return this.blobs.get(key) ?? null;
  }
  async remove(key: string) {
    this.blobs.delete(key);
  }
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

class IndexedPhotos implements PhotoStore {
  private db: Promise<IDBDatabase> | null = null;

  private open(): Promise<IDBDatabase> {
    this.db ??= new Promise((resolve, reject) => {
      const req = indexedDB.open(DB, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    return this.db;
  }

  private async store(mode: IDBTransactionMode): Promise<IDBObjectStore> {
    return (await this.open()).transaction(STORE, mode).objectStore(STORE);
  }

  async put(key: string, blob: Blob) {
    await request((await this.store("readwrite")).put(blob, key));
  }
  async get(key: string) {
    return ((await request((await this.store("readonly")).get(key))) as Blob | undefined) ?? null;
  }
  async remove(key: string) {
    await request((await this.store("readwrite")).delete(key));
  }
}

export function photoStore(): PhotoStore {
  return typeof indexedDB === "undefined" ? new MemoryPhotos() : new IndexedPhotos();
}

export { MemoryPhotos };
