/**
 * Backend for the AWS ALB health view: an entity's load balancers, listeners, target groups
 * and target health, read from the network account with caching and a rate limit.
 *
 * @packageDocumentation
 */
export { awsAlbPlugin as default } from './plugin';
export { awsAlbServiceRef } from './service/awsAlbServiceRef';
export type { AwsAlbService } from './service/types';
export {
  DefaultAwsAlbService,
  readAwsAlbSettings,
  type AwsAlbSettings,
  type DefaultAwsAlbServiceOptions,
} from './service/DefaultAwsAlbService';
export {
  DefaultAlbAwsClientFactory,
  type AlbAwsClientFactory,
  type DefaultAlbAwsClientFactoryOptions,
} from './service/clients';
export type { AlbAwsClients } from './service/readLoadBalancers';
export { AwsThrottledError } from './service/errors';
export {
  AccountRegionLimiters,
  LimiterSaturatedError,
  TokenBucketLimiter,
  type CallBudget,
  type CallBudgets,
  type TokenBucketOptions,
} from './service/TokenBucketLimiter';
export {
  RedisTokenBuckets,
  type RedisTokenBucketsOptions,
} from './service/RedisTokenBuckets';
export type {
  AwsAlbHealthSweep,
  SweepRunReport,
  SweepSettings,
} from './service/HealthSweep';
