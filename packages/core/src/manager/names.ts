import { poolError } from '../errors/index.js';
import { invalid } from '../validate.js';

export const defaultSession = 'default';
const segment = /^[A-Za-z0-9_-]+$/;

/** "web" is "default.web"; "app.web" is job web of session app. */
export function jobKey(name: unknown): string {
  if (typeof name !== 'string' || name === '') throw poolError('POOL_UNKNOWN_JOB', { name: String(name) });
  return name.includes('.') ? name : `${defaultSession}.${name}`;
}

export function checkSession(session: unknown): string {
  if (typeof session !== 'string' || !segment.test(session)) {
    throw invalid('session', `a session name holds only letters, digits, "_" and "-"; got ${JSON.stringify(session)}`);
  }
  return session;
}
