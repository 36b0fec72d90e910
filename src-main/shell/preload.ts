import { contextBridge, ipcRenderer } from 'electron';

/**
 * The renderer's only door: `window.gongwen`. `invoke` goes to one IPC channel whose handler
 * checks the sender and validates the input; `on` subscribes to the few events the main process
 * pushes. Nothing of Electron or Node is exposed.
 */
const EVENTS = new Set(['card:status-changed', 'resign:progress', 'outbox:changed']);

contextBridge.exposeInMainWorld('gongwen', {
  invoke: (channel: string, input: unknown) => ipcRenderer.invoke('gongwen:invoke', String(channel), input),
  on: (event: string, listener: (payload: unknown) => void) => {
    if (!EVENTS.has(event)) throw new Error(`unknown event ${event}`);
    const handler = (_e: unknown, payload: unknown) => listener(payload);
    ipcRenderer.on(`gongwen:${event}`, handler);
    return () => ipcRenderer.removeListener(`gongwen:${event}`, handler);
  },
});
