import { fileURLToPath } from 'node:url';

const app = (name) => fileURLToPath(new URL(`../apps/${name}`, import.meta.url));

export const helloServer = app('hello-server.mjs');
export const poolMaster = app('pool-master.mjs');
export const clusterPrimary = app('cluster-primary.mjs');
