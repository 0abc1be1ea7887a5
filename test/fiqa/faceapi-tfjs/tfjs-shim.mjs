// What face-api needs of the @tensorflow/tfjs umbrella: tfjs-core with the cpu backend, and
// the chained tensor methods (t.div(…), t.as3D(…), t.toFloat()) the umbrella would register.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

export * from '@tensorflow/tfjs-core';

const proto = tf.Tensor.prototype;
for (const [name, fn] of Object.entries(tf)) {
  if (typeof fn === 'function' && /^[a-z]/.test(name) && !(name in proto)) {
    proto[name] = function chained(...args) {
      return fn(this, ...args);
    };
  }
}
proto.as1D = function as1D() {
  return tf.reshape(this, [this.size]);
};
proto.as2D = function as2D(r, c) {
  return tf.reshape(this, [r, c]);
};
proto.as3D = function as3D(r, c, d) {
  return tf.reshape(this, [r, c, d]);
};
proto.as4D = function as4D(r, c, d, e) {
  return tf.reshape(this, [r, c, d, e]);
};
proto.asType = function asType(t) {
  return tf.cast(this, t);
};
proto.toFloat = function toFloat() {
  return tf.cast(this, 'float32');
};
proto.toInt = function toInt() {
  return tf.cast(this, 'int32');
};
