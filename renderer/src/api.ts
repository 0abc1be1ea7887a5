// The renderer's one way to the services: the typed ApiClient over the desktop bridge
// (window.se3kit, IPC) when present, else over HTTP + a reconnecting WebSocket (site mode).
import type { ApiClient, ApiEvents, EventMessage, EventName, IpcReply, MethodName, Params, Result } from '../../electron/api/contract';

interface Se3kitBridge {
  call(method: string, params?: unknown): Promise<IpcReply>;
  on(event: string, listener: (payload: unknown) => void): () => void;
}

declare global {
  interface Window {
    se3kit?: Se3kitBridge;
  }
}

export class ApiCallError extends Error {
  constructor(
    message: string,
    readonly code?: string | number,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** 'live': events flow; 'connecting': (re)connecting the event stream (site mode only). */
export type LinkState = 'live' | 'connecting';

export interface Transport extends ApiClient {
  readonly mode: 'desktop' | 'site';
  /** Site mode: whether there is a session. Desktop: always true. */
  session(): Promise<boolean>;
  login(password: string): Promise<void>;
  logout(): Promise<void>;
  /** Called when a call answers 401 (session expired or server restarted). */
  onAuthLost(listener: () => void): () => void;
  onLinkState(listener: (s: LinkState) => void): () => void;
}

type AnyListener = (payload: unknown) => void;

function desktopTransport(bridge: Se3kitBridge): Transport {
  return {
    mode: 'desktop',
    async call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
      const reply = await bridge.call(method, params);
      if (reply.ok) return reply.result as Result<M>;
      throw new ApiCallError(reply.error.message, reply.error.code);
    },
    on<E extends EventName>(event: E, listener: (payload: ApiEvents[E]) => void) {
      return bridge.on(event, listener as AnyListener);
    },
    session: async () => true,
    login: async () => {},
    logout: async () => {},
    onAuthLost: () => () => {},
    onLinkState: (l) => {
      l('live');
      return () => {};
    },
  };
}

function siteTransport(): Transport {
  const listeners = new Map<string, Set<AnyListener>>();
  const authLost = new Set<() => void>();
  const linkListeners = new Set<(s: LinkState) => void>();
  let ws: WebSocket | null = null;
  let wanted = false; // keep the socket open (logged in)
  let retryMs = 500;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let link: LinkState = 'connecting';

  const setLink = (s: LinkState) => {
    if (s === link) return;
    link = s;
    for (const l of linkListeners) l(s);
  };

  function connect(): void {
    if (!wanted || ws) return;
    const url = new URL('/api/events', window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const sock = new WebSocket(url);
    ws = sock;
    sock.onopen = () => {
      retryMs = 500;
      setLink('live');
    };
    sock.onmessage = (m) => {
      let msg: EventMessage;
      try {
        msg = JSON.parse(String(m.data)) as EventMessage;
      } catch {
        return;
      }
      for (const l of listeners.get(msg.event) ?? []) l(msg.payload);
    };
    sock.onclose = () => {
      ws = null;
      setLink('connecting');
      if (!wanted) return;
      retryTimer = setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 10_000);
    };
  }

  function stop(): void {
    wanted = false;
    clearTimeout(retryTimer);
    ws?.close();
    ws = null;
  }

  async function post(path: string, body: unknown): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body ?? {}),
        credentials: 'same-origin',
      });
    } catch {
      throw new ApiCallError('cannot reach the Field Kit server; is `se3kit serve` still running?', 'network');
    }
    const text = await res.text();
    let data: { result?: unknown; error?: { message: string; code?: string | number } } = {};
    try {
      data = text ? JSON.parse(text) : {};
    } catch {
      /* not JSON */
    }
    if (!res.ok) {
      if (res.status === 401 && path.startsWith('/api/call/')) {
        stop();
        for (const l of authLost) l();
      }
      throw new ApiCallError(data.error?.message ?? `server answered HTTP ${res.status}`, data.error?.code, res.status);
    }
    return data;
  }

  return {
    mode: 'site',
    async call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
      const data = (await post(`/api/call/${encodeURIComponent(method)}`, params)) as { result: Result<M> };
      return data.result;
    },
    on<E extends EventName>(event: E, listener: (payload: ApiEvents[E]) => void) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener as AnyListener);
      return () => {
        set.delete(listener as AnyListener);
      };
    },
    async session() {
      const res = await fetch('/api/session', { credentials: 'same-origin' });
      const ok = res.ok && ((await res.json()) as { authenticated: boolean }).authenticated;
      if (ok) {
        wanted = true;
        connect();
      }
      return ok;
    },
    async login(password) {
      await post('/api/login', { password });
      wanted = true;
      connect();
    },
    async logout() {
      stop();
      await post('/api/logout', {});
    },
    onAuthLost(l) {
      authLost.add(l);
      return () => authLost.delete(l);
    },
    onLinkState(l) {
      linkListeners.add(l);
      l(link);
      return () => linkListeners.delete(l);
    },
  };
}

export const api: Transport = window.se3kit ? desktopTransport(window.se3kit) : siteTransport();
