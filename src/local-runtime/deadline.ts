/**
 * One timer for the deadlines of invocations that run one after another: armed for each,
 * re-armed (Timeout.refresh) rather than made anew, so an invocation costs no timer of its
 * own, no timer list made and dropped, no new libuv timer. Disarmed, it no longer holds the
 * process open and, if it still fires, calls nothing.
 */
export class Deadline {
  private timer: NodeJS.Timeout | undefined;
  private ms = 0;
  private due: (() => void) | undefined;

  /** Calls `due` in `ms` milliseconds, unless disarmed (or armed again) before. */
  arm(ms: number, due: () => void): void {
    this.due = due;
    if (this.timer && this.ms === ms) {
      this.timer.refresh().ref();
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.ms = ms;
    this.timer = setTimeout(() => this.fire(), ms);
  }

  disarm(): void {
    this.due = undefined;
    this.timer?.unref();
  }

  /** No timer left behind. */
  stop(): void {
    this.due = undefined;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private fire(): void {
    this.timer = undefined;
    const due = this.due;
    this.due = undefined;
    due?.();
  }
}
