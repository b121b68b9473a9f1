/**
 * AWS access shared by the cross-account ALB backend plugins and their sandbox: SDK clients
 * acting in an account (behind a Backstage service, with the project's user agent), one
 * classification of AWS SDK errors, and ARN and partition helpers.
 *
 * @packageDocumentation
 */
export * from './arn';
export * from './clients';
export * from './errors';
export * from './names';
export * from './serviceRef';
