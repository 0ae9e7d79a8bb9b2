export { createGatehouse, type Gatehouse } from './gatehouse.js';
export { loadConfig, type Config } from './config.js';
export * from '@gatehouse/resource';
