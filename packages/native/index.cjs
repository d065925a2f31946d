'use strict';
// The addon, or null where it is not built (not Linux, no compiler at install): callers fall back.
let native = null;
try {
  native = require('./build/Release/pool_native.node');
} catch {
  native = null;
}
module.exports = native;
