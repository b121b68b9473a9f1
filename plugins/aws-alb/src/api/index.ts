export { awsAlbApiRef } from './AwsAlbApi';
export type { AwsAlbApi } from './AwsAlbApi';
export { AwsAlbClient } from './AwsAlbClient';
