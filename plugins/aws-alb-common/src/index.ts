/**
 * Shared between the AWS ALB health backend, its frontend and the cross-account scaffolder
 * actions: annotations, response types and the formats of AWS identifiers.
 *
 * @packageDocumentation
 */
export * from './annotations';
export * from './types';
export * from './formats';
export * from './mocks';
export * from './slice';
export * from './permissions';
export * from './annotationContract';
