/** Run `fn` when events of `topics` arrive (at most once per `ms`, after the first of a
 * burst) and after a resync (the client missed events and reloads): a screen that calls
 * this never needs a reload to show a change made elsewhere. Stops on unmount. */
import { onBeforeUnmount, onMounted } from "vue";
import { realtime } from "../live";
import type { EventFrame } from "../realtime/client";
import { keyedThrottle } from "../realtime/debounce";

export function onLiveEvents(
  topics: string[],
  fn: (event: EventFrame | null) => void,
  options: { ms?: number; filter?: (event: EventFrame) => boolean } = {},
): void {
  const wanted = new Set(topics);
  let last: EventFrame | null = null;
  const run = keyedThrottle(() => fn(last), options.ms ?? 300);
  const stops: (() => void)[] = [];
  onMounted(() => {
    const client = realtime();
    stops.push(
      client.onEvent((event) => {
        if (!wanted.has(event.topic) || (options.filter && !options.filter(event))) return;
        last = event;
        run(0);
      }),
      client.onResync(() => {
        last = null;
        run(0);
      }),
    );
  });
  onBeforeUnmount(() => stops.forEach((stop) => stop()));
}
