import type { Logger } from './logger.js';

/**
 * The logger of a step that runs alongside others: its lines are held until
 * `release()` (inside the step's own group), so the job log reads step by
 * step instead of interleaved. Secrets are masked at once.
 */
export class HeldLogger implements Logger {
  private held: ((target: Logger) => void)[] | undefined = [];

  constructor(private readonly target: Logger) {}

  private emit(line: (target: Logger) => void): void {
    if (this.held) this.held.push(line);
    else line(this.target);
  }

  info(message: string): void {
    this.emit((t) => t.info(message));
  }
  warning(message: string): void {
    this.emit((t) => t.warning(message));
  }
  error(message: string): void {
    this.emit((t) => t.error(message));
  }
  debug(message: string): void {
    this.emit((t) => t.debug(message));
  }
  untrusted(text: string): void {
    this.emit((t) => t.untrusted(text));
  }
  mask(secret: string): void {
    this.target.mask(secret);
  }
  /** Groups do not nest: a held step's group is its caller's. */
  group<T>(_title: string, fn: () => Promise<T>): Promise<T> {
    return fn();
  }

  /** Writes what was held; later lines go straight through. */
  release(): void {
    const lines = this.held ?? [];
    this.held = undefined;
    for (const line of lines) line(this.target);
  }
}
