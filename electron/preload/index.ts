// Electron preload (bundled to dist/electron/preload.cjs; runs sandboxed, so it may require
// nothing but 'electron'). Exposes window.se3kit = {call, on} and nothing else.
import { contextBridge, ipcRenderer } from 'electron';
import { createBridge } from './bridge';

contextBridge.exposeInMainWorld('se3kit', createBridge(ipcRenderer));
