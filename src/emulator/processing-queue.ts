import type { TimerRegistry } from './timers';

interface QueueEntry<T> {
  dueMs: number;
  /** Insertion order: entries due at the same millisecond run first-in, first-out. */
  sequence: number;
  item: T;
}

/**
 * A time-ordered queue with a single timer: the scheduler behind file processing. Ten thousand files
 * in flight are ten thousand heap entries and one timer armed for the earliest, not ten thousand
 * timers; each push and each completion costs O(log n).
 *
 * Entries are never removed early: whoever handles an item checks that it is still wanted (a
 * cancelled or detached file carries a newer generation than the entry that was queued for it).
 */
export class ProcessingQueue<T> {
  private heap: Array<QueueEntry<T>> = [];
  private nextSequence = 0;
  private timer: NodeJS.Timeout | undefined;
  private armedForMs = Number.POSITIVE_INFINITY;

  constructor(
    private readonly timers: TimerRegistry,
    private readonly handle: (item: T) => void,
  ) {}

  /** Number of queued entries (stale ones included). */
  get size(): number {
    return this.heap.length;
  }

  /** Queues `item` to be handled at `dueMs` (epoch milliseconds). */
  push(dueMs: number, item: T): void {
    const entry: QueueEntry<T> = { dueMs, sequence: this.nextSequence++, item };
    this.heap.push(entry);
    this.siftUp(this.heap.length - 1);
    if (dueMs < this.armedForMs) this.arm(dueMs);
  }

  /**
   * Handles every entry due by `nowMs`, oldest first, then re-arms the timer for the next one.
   * Reads call it too, so a response never shows a file still processing past its due time.
   */
  runDue(nowMs: number = Date.now()): void {
    for (let head = this.heap[0]; head !== undefined && head.dueMs <= nowMs; head = this.heap[0]) {
      this.pop();
      this.handle(head.item);
    }
    const next = this.heap[0];
    if (next === undefined) {
      this.disarm();
    } else if (next.dueMs !== this.armedForMs) {
      this.arm(next.dueMs);
    }
  }

  /** Drops every entry and the timer. */
  clear(): void {
    this.disarm();
    this.heap = [];
  }

  private arm(dueMs: number): void {
    this.disarm();
    this.armedForMs = dueMs;
    this.timer = this.timers.schedule(dueMs - Date.now(), () => {
      this.timer = undefined;
      this.armedForMs = Number.POSITIVE_INFINITY;
      this.runDue();
    });
  }

  private disarm(): void {
    this.timers.cancel(this.timer);
    this.timer = undefined;
    this.armedForMs = Number.POSITIVE_INFINITY;
  }

  private pop(): void {
    const last = this.heap.pop();
    if (last === undefined || this.heap.length === 0) return;
    this.heap[0] = last;
    this.siftDown(0);
  }

  private before(left: QueueEntry<T>, right: QueueEntry<T>): boolean {
    return left.dueMs < right.dueMs || (left.dueMs === right.dueMs && left.sequence < right.sequence);
  }

  private siftUp(index: number): void {
    const heap = this.heap;
    let child = index;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      const childEntry = heap[child]!;
      const parentEntry = heap[parent]!;
      if (!this.before(childEntry, parentEntry)) return;
      heap[child] = parentEntry;
      heap[parent] = childEntry;
      child = parent;
    }
  }

  private siftDown(index: number): void {
    const heap = this.heap;
    let parent = index;
    for (;;) {
      const left = parent * 2 + 1;
      const right = left + 1;
      let smallest = parent;
      if (left < heap.length && this.before(heap[left]!, heap[smallest]!)) smallest = left;
      if (right < heap.length && this.before(heap[right]!, heap[smallest]!)) smallest = right;
      if (smallest === parent) return;
      const swap = heap[parent]!;
      heap[parent] = heap[smallest]!;
      heap[smallest] = swap;
      parent = smallest;
    }
  }
}
