/**
 * Reliability suite of the cross-account ALB golden path. The tests live beside this file;
 * the helpers here are shared with other packages' tests.
 *
 * @packageDocumentation
 */
export * from './trustPolicy';
