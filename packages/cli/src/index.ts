export { main } from './main.js';
export { poolHome, type PoolHome } from './home.js';
