export { setup as default } from './user-state.mjs';
