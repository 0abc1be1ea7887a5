// Electron main process entry (bundled to dist/electron/main.cjs). Thin: creates the services,
// the API and the window; everything testable lives in ./wire.
import * as electron from 'electron';
import { join } from 'node:path';
import { createApiHandlers } from '../api/dispatch';
import { ensureDataDir } from '../data-dir';
import { createServices, defaultDataDir } from '../api/services';
import { createSafeStorageSecretStore } from './safe-storage';
import { wireMain } from './wire';

const { app } = electron;

app.enableSandbox();

async function start(): Promise<void> {
  const dataDir = ensureDataDir(defaultDataDir()); // private (0700) before anything writes into it
  // Box passwords (only when the technician asks to remember one) are kept encrypted by the OS.
  const secretStore = createSafeStorageSecretStore(electron, join(dataDir, 'secrets.json'));
  const services = await createServices({ dataDir, secretStore });
  const api = createApiHandlers(services);
  wireMain(electron, api, {
    rendererIndex: join(__dirname, '..', 'renderer', 'index.html'),
    preload: join(__dirname, 'preload.cjs'),
  });
  app.on('window-all-closed', () => app.quit());
  // Quit only after the services have shut down (the broker closes its logs, the face workers
  // end): hold the first will-quit, close, then quit for real.
  let closed = false;
  app.on('will-quit', (event: { preventDefault(): void }) => {
    if (closed) return;
    event.preventDefault();
    api.dispose();
    void services.close().finally(() => {
      closed = true;
      app.quit();
    });
  });
}

app.whenReady().then(start, (err: unknown) => {
  console.error(`se3kit desktop: ${(err as Error).message}`);
  app.exit(1);
});
