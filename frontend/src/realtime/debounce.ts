/** Run `fn(key)` at most once per `ms` per key, after the first call of a burst: 500 answers
 * arriving together are one reload, and a steady stream still reloads every `ms`. */
export function keyedThrottle<K>(fn: (key: K) => void, ms: number): (key: K) => void {
  const timers = new Map<K, ReturnType<typeof setTimeout>>();
  return (key: K) => {
    if (timers.has(key)) return;
    timers.set(
      key,
      setTimeout(() => {
        timers.delete(key);
        fn(key);
      }, ms),
    );
  };
}
