export { errorCodes, type ErrorCode, type ErrorDefinition } from './codes.js';
export { PoolError, isPoolError, poolError, type ErrorContext } from './pool-error.js';
