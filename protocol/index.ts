/**
 * Parley's wire protocol, shared by the extension and the relay.
 * No browser, Node or WXT imports here: both sides bundle this module as is.
 */
export * from './frame-types.ts';
export * from './errors.ts';
export * from './messages.ts';
export * from './limits.ts';
export * from './codec.ts';
export * from './context-size.ts';
