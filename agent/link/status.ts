// A state with its reason and the time it last changed, as /health shows it.

export type LoginState = 'not-configured' | 'pending' | 'logged-in' | 'failed';
export type BrokerState = 'not-configured' | 'connecting' | 'connected' | 'failed';

export interface StateReport<S extends string> {
  state: S;
  /** plain reason (failed, or why it is connecting again) */
  error?: string;
  /** ISO time of the last change of state or reason */
  since?: string;
}

export class StatusCell<S extends string> {
  private v: StateReport<S>;

  constructor(initial: S) {
    this.v = { state: initial };
  }

  get(): StateReport<S> {
    return { ...this.v };
  }

  get state(): S {
    return this.v.state;
  }

  /** Returns true when something changed. */
  set(state: S, error?: string): boolean {
    if (this.v.state === state && this.v.error === error) return false;
    this.v = { state, ...(error ? { error } : {}), since: new Date().toISOString() };
    return true;
  }
}

/** Capped exponential backoff: min, 2·min, 4·min … max. */
export class Backoff {
  private n = 0;

  constructor(
    private readonly minMs = 1000,
    private readonly maxMs = 60_000,
  ) {}

  next(): number {
    const d = Math.min(this.maxMs, this.minMs * 2 ** this.n);
    if (d < this.maxMs) this.n++;
    return d;
  }

  reset(): void {
    this.n = 0;
  }
}

/** A sleep that a newer generation cancels (resolves false when cancelled). */
export class Sleeper {
  private timers = new Set<{ t: NodeJS.Timeout; done: (v: boolean) => void }>();

  sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const entry = { t: setTimeout(() => (this.timers.delete(entry), resolve(true)), ms), done: resolve };
      this.timers.add(entry);
    });
  }

  cancelAll(): void {
    for (const e of this.timers) {
      clearTimeout(e.t);
      e.done(false);
    }
    this.timers.clear();
  }
}

/** A network error as a short plain phrase: "ECONNREFUSED 127.0.0.1:9", "no answer within 10 s". */
export function networkReason(err: unknown, target: string, timeoutMs: number): string {
  const e = err as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string; name?: string } };
  if (e?.name === 'TimeoutError' || e?.cause?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer from ${target} within ${Math.round(timeoutMs / 1000)} s`;
  const code = e?.cause?.code ?? e?.code;
  if (code) return `${code} ${target}`;
  return `${e?.cause?.message ?? e?.message ?? String(err)} (${target})`;
}
