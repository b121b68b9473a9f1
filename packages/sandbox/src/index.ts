/**
 * Sandbox AWS for local development and tests. Nothing here is used in production.
 *
 * @packageDocumentation
 */
export * from './accounts';
export * from './moto';
export * from './seed';
