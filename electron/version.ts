// The product version, from package.json (bundled by esbuild, read by tsx from source).
import pkg from '../package.json';

export const VERSION: string = pkg.version;
