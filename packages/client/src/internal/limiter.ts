// A concurrency limiter: at most `limit` tasks run at once; the rest wait in order.

export type Limit = <T>(task: () => Promise<T>) => Promise<T>;

export function limiter(limit: number): Limit {
  let active = 0;
  const queue: Array<() => void> = [];
  const next = () => {
    active--;
    queue.shift()?.();
  };
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((resolve) => queue.push(resolve));
    active++;
    try {
      return await task();
    } finally {
      next();
    }
  };
}
