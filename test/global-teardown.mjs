export { teardown as default } from './machine-state.mjs';
