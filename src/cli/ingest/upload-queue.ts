/**
 * Runs `work` over the items with at most `concurrency` at a time (several files upload at once so a
 * slow file does not hold up the card). Items not yet started when `signal` aborts are left alone; the
 * caller reports them. `work` must not throw: each file's failure belongs in its own receipt line.
 */
export async function runQueue<T>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<void>, signal?: AbortSignal): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length && !signal?.aborted) {
      const index = next++;
      await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
}
