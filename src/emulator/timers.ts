/**
 * Every timer the emulator starts goes through one registry, so `close()` and `reset()` can stop
 * them all at once: a forgotten timer would keep jest (or the CLI) from exiting.
 */
export class TimerRegistry {
  private readonly timers = new Set<NodeJS.Timeout>();

  /**
   * Runs `callback` after `delayMs`. Timers are unref'd: the HTTP server, not a pending run step,
   * is what keeps a process alive.
   */
  schedule(delayMs: number, callback: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      callback();
    }, Math.max(0, delayMs));
    timer.unref();
    this.timers.add(timer);
    return timer;
  }

  /** Stops one timer (a no-op if it already fired). */
  cancel(timer: NodeJS.Timeout | undefined): void {
    if (timer === undefined) return;
    clearTimeout(timer);
    this.timers.delete(timer);
  }

  /** Stops every pending timer. */
  cancelAll(): void {
    for (const timer of this.timers) {
      clearTimeout(timer);
    }
    this.timers.clear();
  }

  /** Resolves after `delayMs`; never resolves if the registry is cleared first (the server is closing). */
  sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => {
      this.schedule(delayMs, resolve);
    });
  }
}
