// Stands in for the tfjs webgl and wasm backends (not installed; the tests use the cpu backend).
export {};
