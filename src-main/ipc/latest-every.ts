/**
 * Passes on a stream of values at most once per `ms`: the first at once, then the latest of each
 * interval, and on `flush` whatever is still waiting, so the last value always arrives. A 補簽
 * batch on a fast card makes two thousand signatures a second; the window is told twenty times a
 * second, which is as often as a progress bar can be read.
 */
export function latestEvery<T>(ms: number, send: (value: T) => void): { push(value: T): void; flush(): void } {
  let waiting: { value: T } | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (waiting) {
      const { value } = waiting;
      waiting = null;
      send(value);
    }
  };
  return {
    push(value) {
      if (timer) {
        waiting = { value };
        return;
      }
      send(value);
      // The interval runs from this value: what arrives within it waits for the timer.
      timer = setTimeout(flush, ms);
    },
    flush,
  };
}
