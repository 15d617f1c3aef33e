export { setup as default } from './machine-state.mjs';
