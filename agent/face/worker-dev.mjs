// Development entry of the face worker (running from source under tsx): registers the tsx
// loader in this thread, then loads the TypeScript worker. The bundled CLI uses
// dist/fiqa-worker.mjs instead.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
