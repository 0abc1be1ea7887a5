// The door: GateControllerMode and EventAction (PROTOCOL §7) driven by recognition events. The
// recogniser hands every event here as soon as it is made (after the realtime report went out);
// when the mode says the event fires (modes.ts), every EventAction relay is operated over
// Modbus TCP (modbus.ts). Nothing here delays or breaks recognition: `onEvent` returns at once
// and never throws, each operation is bounded by timeouts, a relay channel has at most one
// operation in flight (another event meanwhile is counted as `busy`, the door being open
// already), and a failing relay is logged (at most once a minute per relay while it fails) and
// counted in /health. On close every held pulse is ended early (coil OFF), so a stopped agent
// leaves no door open.
import type { EventBody } from '../events/store';
import { fires, isActionMode, type ActionMode } from './modes';
import { relayName, toggleCoil, writeCoil, type RelayAddress } from './modbus';

/** One EventAction entry as stored by the admin API. */
export interface GateAction {
  action_ip: string;
  action_port: number;
  action_mode: string | number;
  /** seconds a pulse holds the coil ON */
  action_duration: number;
  /** the relay channel (coil address, 0-based) */
  logic_port: number;
  /** extension: only events of this capture device fire it (absent: every device) */
  ep_ip?: string;
}

export interface GateOptions {
  /** the current GateControllerMode and EventAction (read on every event) */
  settings(): { mode: string; actions: readonly GateAction[] };
  log(line: string): void;
  /** connect and Modbus answer timeout per step (default 2000 ms) */
  timeoutMs?: number;
}

export type GateResult = 'done' | 'failed' | 'busy';

export interface GateStatus {
  controller_mode: string;
  actions: number;
  /** events that fired the relays */
  events_fired: number;
  /** relay operations that completed (a pulse: ON and OFF both written) */
  operations_done: number;
  operations_failed: number;
  /** operations not started because one was still in flight on that relay channel */
  operations_busy: number;
  in_flight: number;
  last_error: string | null;
  /** the newest 20 operations, newest last: which event, which relay, what came of it */
  recent: Array<{ event_id: string; relay: string; action_mode: string; result: GateResult; at: number; error?: string }>;
}

const RECENT = 20;
const LOG_EVERY_MS = 60_000;
const OFF_ATTEMPTS = 3;

export class Gate {
  private readonly inFlight = new Map<string, { endHold(): void; done: Promise<void> }>();
  private readonly lastFailureLog = new Map<string, number>();
  private readonly counts = { events_fired: 0, operations_done: 0, operations_failed: 0, operations_busy: 0 };
  private lastError: string | null = null;
  private readonly recent: GateStatus['recent'] = [];
  private closed = false;
  private readonly timeoutMs: number;

  constructor(private readonly o: GateOptions) {
    this.timeoutMs = o.timeoutMs ?? 2000;
  }

  /** Called with every recognition event as it is made; returns at once, never throws. */
  onEvent(ev: Pick<EventBody, 'ext_data'>, device: { ep_ip: string }): void {
    try {
      if (this.closed) return;
      const s = this.o.settings();
      if (!fires(s.mode, ev.ext_data.person_type)) return;
      const actions = s.actions.filter((a) => !a.ep_ip || a.ep_ip === device.ep_ip);
      if (!actions.length) return;
      this.counts.events_fired++;
      for (const a of actions) this.start(a, ev.ext_data.event_id);
    } catch (err) {
      this.o.log(`gate: event ${ev.ext_data?.event_id} not handled: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  status(): GateStatus {
    const s = this.o.settings();
    return { controller_mode: s.mode, actions: s.actions.length, ...this.counts, in_flight: this.inFlight.size, last_error: this.lastError, recent: [...this.recent] };
  }

  /** Ends every held pulse now (coil OFF) and waits for the operations in flight. */
  async close(): Promise<void> {
    this.closed = true;
    const ops = [...this.inFlight.values()];
    for (const op of ops) op.endHold();
    await Promise.all(ops.map((op) => op.done));
  }

  private start(a: GateAction, eventId: string): void {
    const relay: RelayAddress = { ip: a.action_ip, port: a.action_port, coil: a.logic_port };
    const key = relayName(relay);
    const mode = String(a.action_mode).trim().toLowerCase();
    if (this.inFlight.has(key)) {
      this.counts.operations_busy++;
      this.note(eventId, key, mode, 'busy');
      return;
    }
    if (!isActionMode(mode)) {
      // stored by an older agent that took any action_mode; the admin API refuses these now
      this.fail(eventId, key, mode, `action_mode "${mode}" is not pulse, on, off or toggle; PUT EventAction again`);
      return;
    }
    // the hold starts once the coil is ON (so the door is open for the whole action_duration);
    // close() ends it early, also when it comes before the ON
    let ended = false;
    let endHold = (): void => {
      ended = true;
    };
    const hold = () =>
      new Promise<void>((resolve) => {
        if (ended) return resolve();
        const t = setTimeout(resolve, Math.max(0, a.action_duration) * 1000);
        endHold = () => {
          clearTimeout(t);
          resolve();
        };
      });
    const done = this.operate(relay, mode, hold)
      .then(
        () => {
          this.counts.operations_done++;
          this.note(eventId, key, mode, 'done');
          if (this.lastFailureLog.delete(key)) this.o.log(`gate: relay ${key} answers again`);
        },
        (err: Error) => this.fail(eventId, key, mode, err.message),
      )
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, { endHold: () => endHold(), done });
  }

  private async operate(relay: RelayAddress, mode: ActionMode, hold: () => Promise<void>): Promise<void> {
    const t = this.timeoutMs;
    switch (mode) {
      case 'on':
        return writeCoil(relay, true, t);
      case 'off':
        return writeCoil(relay, false, t);
      case 'toggle':
        await toggleCoil(relay, t);
        return;
      case 'pulse':
        try {
          await writeCoil(relay, true, t);
        } catch (err) {
          // the ON may have reached the relay with its answer lost: make sure the door closes
          await writeCoil(relay, false, t).catch(() => undefined);
          throw err;
        }
        await hold();
        for (let i = 1; ; i++) {
          try {
            return await writeCoil(relay, false, t);
          } catch (err) {
            if (i >= OFF_ATTEMPTS) throw new Error(`${(err as Error).message} — the coil may still be ON (OFF failed ${OFF_ATTEMPTS} times)`);
            await new Promise((r) => setTimeout(r, 500));
          }
        }
    }
  }

  private fail(eventId: string, key: string, mode: string, error: string): void {
    this.counts.operations_failed++;
    this.lastError = error;
    this.note(eventId, key, mode, 'failed', error);
    const now = Date.now();
    const since = this.lastFailureLog.get(key);
    if (since === undefined || now - since >= LOG_EVERY_MS) {
      this.lastFailureLog.set(key, now);
      this.o.log(`gate: ${mode} for event ${eventId} failed: ${error} (check the relay module's address, port and power; further failures of this relay are logged once a minute, all are counted in /health gate)`);
    }
  }

  private note(eventId: string, relay: string, mode: string, result: GateResult, error?: string): void {
    this.recent.push({ event_id: eventId, relay, action_mode: mode, result, at: Date.now(), ...(error ? { error } : {}) });
    if (this.recent.length > RECENT) this.recent.shift();
  }
}
