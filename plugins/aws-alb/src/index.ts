/**
 * Entity page tab and card showing an Application Load Balancer in another AWS account,
 * with the health of its targets and what to check when they are not healthy.
 *
 * @packageDocumentation
 */
export { awsAlbPlugin, EntityAlbCard, EntityAlbContent } from './plugin';
export { isAlbAvailable } from './lib/annotations';
export { awsAlbApiRef, AwsAlbClient } from './api';
export type { AwsAlbApi } from './api';
