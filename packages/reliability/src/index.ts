/**
 * Reliability suite of the cross-account ALB golden path. The tests live beside this file;
 * it exports nothing.
 *
 * @packageDocumentation
 */
export {};
