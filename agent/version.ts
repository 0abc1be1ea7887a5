// The agent's version: the product version (bundled from package.json by esbuild).
import pkg from '../package.json';

export const AGENT_VERSION: string = pkg.version;
