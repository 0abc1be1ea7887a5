// The events fan-out: services emit into one hub, each transport (IPC window, every site-mode
// WebSocket) subscribes. A throwing subscriber never breaks the others or the emitter.
import type { ApiEvents, EventName } from './contract';

export type Emit = <E extends EventName>(event: E, payload: ApiEvents[E]) => void;
export type HubListener = (event: EventName, payload: ApiEvents[EventName]) => void;

export class EventHub {
  private readonly listeners = new Set<HubListener>();

  readonly emit: Emit = (event, payload) => {
    for (const l of [...this.listeners]) {
      try {
        l(event, payload);
      } catch (err) {
        process.emitWarning(`event listener failed on ${event}: ${(err as Error).message}`);
      }
    }
  };

  /** Returns the unsubscribe function. */
  subscribe(listener: HubListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get size(): number {
    return this.listeners.size;
  }
}
