export * from '@gatehouse/resource';
export { type Config, loadConfig } from './config.js';
export { createGatehouse, type Gatehouse } from './gatehouse.js';
