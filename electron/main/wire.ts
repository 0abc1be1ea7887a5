// The main process's wiring, with the electron module passed in (so a unit test can hand it a
// fake): one locked-down window, one IPC channel that only accepts allowlisted API methods from
// that window's own top frame showing the app's page (event.senderFrame), every permission a
// page may ask for (camera, notifications, clipboard, ...) denied, and the API events forwarded.
import { pathToFileURL, URL } from 'node:url';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL, type EventMessage, type IpcReply } from '../api/contract';
import type { Api } from '../api/dispatch';
import { errorReply } from '../api/errors';

/** The part of a WebContents we use. */
export interface WebContentsLike {
  readonly id: number;
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
  on(event: 'will-navigate', listener: (event: { preventDefault(): void }, url: string) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

export interface WindowLike {
  readonly webContents: WebContentsLike;
  loadFile(path: string): Promise<void>;
  on(event: 'closed', listener: () => void): unknown;
  isDestroyed(): boolean;
}

export interface WindowOptions {
  width: number;
  height: number;
  minWidth: number;
  minHeight: number;
  title: string;
  show?: boolean;
  backgroundColor: string;
  webPreferences: {
    preload: string;
    contextIsolation: true;
    sandbox: true;
    nodeIntegration: false;
    webSecurity: true;
    nodeIntegrationInWorker: false;
    webviewTag: false;
  };
}

/** The frame an IPC message came from (Electron's WebFrameMain, as far as used here). */
export interface FrameLike {
  readonly url: string;
  /** null for a top frame. */
  readonly parent: unknown;
}

export interface IpcInvokeEventLike {
  readonly sender: { readonly id: number };
  /** null when the frame has navigated away or is gone. */
  readonly senderFrame?: FrameLike | null;
}

/** The part of Electron's Session used here. */
export interface SessionLike {
  setPermissionRequestHandler(handler: ((webContents: unknown, permission: string, callback: (granted: boolean) => void, details?: unknown) => void) | null): void;
  setPermissionCheckHandler(handler: ((webContents: unknown, permission: string, requestingOrigin?: string, details?: unknown) => boolean) | null): void;
}

/** The part of the electron module wireMain uses (the real module satisfies it). */
export interface ElectronLike {
  BrowserWindow: new (options: WindowOptions) => WindowLike;
  ipcMain: {
    handle(channel: string, listener: (event: IpcInvokeEventLike, ...args: any[]) => unknown): void;
    removeHandler(channel: string): void;
  };
  session: { readonly defaultSession: SessionLike };
}

/** The app page's URL without query or fragment (the UI routes with #/page). */
function pageUrl(url: string): string | null {
  try {
    const u = new URL(url);
    u.hash = '';
    u.search = '';
    return u.href;
  } catch {
    return null;
  }
}

/** Denies every permission request and check: the UI needs none. */
export function denyAllPermissions(session: SessionLike): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

export interface WireOptions {
  /** Absolute path of dist/renderer/index.html. */
  rendererIndex: string;
  /** Absolute path of dist/electron/preload.cjs. */
  preload: string;
}

export function windowOptions(preload: string): WindowOptions {
  return {
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    title: 'SE3 Field Kit',
    backgroundColor: '#f5f6f8',
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      nodeIntegrationInWorker: false,
      webviewTag: false,
    },
  };
}

/** Opens the window and wires the API. Returns the window and a function that undoes the wiring. */
export function wireMain(electron: ElectronLike, api: Api, opts: WireOptions): { window: WindowLike; unwire: () => void } {
  denyAllPermissions(electron.session.defaultSession);
  const win = new electron.BrowserWindow(windowOptions(opts.preload));
  const contents = win.webContents;
  const appPage = pathToFileURL(opts.rendererIndex).href;
  /** Only our window's top frame, showing our page (not an iframe, not a page navigated to). */
  const fromApp = (event: IpcInvokeEventLike): boolean => {
    if (event.sender.id !== contents.id) return false;
    const frame = event.senderFrame;
    if (!frame || frame.parent !== null) return false;
    return pageUrl(frame.url) === appPage;
  };

  // The UI is a local single page: no navigation away from it, no new windows.
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));

  electron.ipcMain.handle(IPC_CALL_CHANNEL, async (event, method: unknown, params: unknown): Promise<IpcReply> => {
    if (!fromApp(event)) {
      return { ok: false, error: { message: 'IPC call from an unknown sender or frame', code: 'forbidden' } };
    }
    try {
      const result = await api.call(method, params);
      return { ok: true, result: result ?? null };
    } catch (err) {
      return { ok: false, ...errorReply(err).body };
    }
  });

  const unsubscribe = api.events.subscribe((event, payload) => {
    if (win.isDestroyed() || contents.isDestroyed()) return;
    const message: EventMessage = { event, payload };
    contents.send(IPC_EVENT_CHANNEL, message);
  });

  const unwire = () => {
    unsubscribe();
    electron.ipcMain.removeHandler(IPC_CALL_CHANNEL);
  };
  win.on('closed', unwire);
  void win.loadFile(opts.rendererIndex);
  return { window: win, unwire };
}
