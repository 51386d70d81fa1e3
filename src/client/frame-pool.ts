// The frames received but not yet taken by the consumer: at most `size` of them, so a slow consumer
// costs at most size × maxFrameBytes of memory. A frame that finds no free place is dropped and
// counted (an overrun), as in a camera's buffer pool: the stream keeps flowing, the consumer sees
// fewer frames, never older ones piling up.

export class FramePool<T> {
  private readonly queue: T[] = [];
  private waiter: ((value: T | null) => void) | null = null;
  private closed = false;
  overruns = 0;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`buffers must be a whole number ≥ 1 (got ${size})`);
  }

  get queued(): number {
    return this.queue.length;
  }

  /** Hands `item` to a waiting consumer, queues it, or drops it when every place is taken. */
  put(item: T): boolean {
    if (this.closed) return false;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w(item);
      return true;
    }
    if (this.queue.length >= this.size) {
      this.overruns++;
      return false;
    }
    this.queue.push(item);
    return true;
  }

  /** The oldest queued item, or the next one to arrive; null once closed. */
  take(): Promise<T | null> {
    const item = this.queue.shift();
    if (item !== undefined) return Promise.resolve(item);
    if (this.closed) return Promise.resolve(null);
    if (this.waiter) return Promise.reject(new Error('one consumer at a time: the previous next() has not settled'));
    return new Promise((resolve) => (this.waiter = resolve));
  }

  /** No more items will come: the queued ones are still taken, then take() gives null. */
  end(): void {
    this.closed = true;
    const w = this.waiter;
    this.waiter = null;
    w?.(null);
  }

  /** Ends at once: queued items are let go. */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
    const w = this.waiter;
    this.waiter = null;
    w?.(null);
  }
}
