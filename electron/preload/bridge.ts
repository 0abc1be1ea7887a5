// What the preload exposes to the page as `window.se3kit`: call(method, params) and
// on(event, listener), nothing else. Only allowlisted methods and events get through; the
// ipcRenderer itself never reaches the page.
import {
  IPC_CALL_CHANNEL,
  IPC_EVENT_CHANNEL,
  isEventName,
  isMethodName,
  type EventMessage,
  type IpcReply,
} from '../api/contract';

export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export class BridgeError extends Error {}

/**
 * `call` resolves to the reply envelope rather than throwing: contextBridge would keep only
 * the message of a thrown Error, and the page needs the API's error code too.
 */
export interface Bridge {
  call(method: string, params?: unknown): Promise<IpcReply>;
  on(event: string, listener: (payload: unknown) => void): () => void;
}

export function createBridge(ipc: IpcRendererLike): Bridge {
  return {
    async call(method, params) {
      if (!isMethodName(method)) return { ok: false, error: { message: `unknown API method ${JSON.stringify(method)}`, code: 'unknown_method' } };
      return (await ipc.invoke(IPC_CALL_CHANNEL, method, params ?? {})) as IpcReply;
    },
    on(event, listener) {
      if (!isEventName(event)) throw new BridgeError(`unknown API event ${JSON.stringify(event)}`);
      if (typeof listener !== 'function') throw new BridgeError('listener must be a function');
      const wrapped = (_e: unknown, message: unknown) => {
        const m = message as EventMessage;
        if (m && m.event === event) listener(m.payload);
      };
      ipc.on(IPC_EVENT_CHANNEL, wrapped);
      return () => {
        ipc.removeListener(IPC_EVENT_CHANNEL, wrapped);
      };
    },
  };
}
