// Module resolve hooks that let @vladmandic/face-api's own code (dist/face-api.esm-nobundle.js)
// run in Node on the pure-JS tfjs that is installed (tfjs-core + the cpu backend), so the
// conversion test can compare the ONNX descriptor with face-api's tfjs forward pass. The
// bundle imports the @tensorflow/tfjs umbrella and the webgl/wasm backends, which this repo
// does not install: the umbrella maps to ./tfjs-shim.mjs, the two backends to nothing.
const here = (f) => new URL(f, import.meta.url).href;
const map = {
  '@tensorflow/tfjs/dist/index.js': here('./tfjs-shim.mjs'),
  '@tensorflow/tfjs-backend-webgl/dist/index.js': here('./empty.mjs'),
  '@tensorflow/tfjs-backend-wasm/dist/index.js': here('./empty.mjs'),
};

export async function resolve(specifier, context, next) {
  return map[specifier] ? { url: map[specifier], shortCircuit: true } : next(specifier, context);
}
