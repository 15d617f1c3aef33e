export { teardown as default } from './user-state.mjs';
