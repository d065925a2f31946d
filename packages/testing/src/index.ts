export { waitFor, onceEvent, type WaitOptions } from './wait.js';
export { isAlive, runCommand, signalProcess, waitForDeath, descendants, processGroup, zombieChildren, ProcessTracker, type TrackedProcess } from './processes.js';
export { httpGet, type HttpAnswer } from './http.js';
export { tempDir } from './temp.js';
export { freePort } from './net.js';
