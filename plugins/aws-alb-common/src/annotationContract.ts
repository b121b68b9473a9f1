import {
  ANNOTATION_ACCOUNT_ID,
  ANNOTATION_ELBV2_LOAD_BALANCER_ARN,
  ANNOTATION_REGION,
} from './annotations';
import { AWS_REGION_PATTERN } from './formats';

const REGION_RE = new RegExp(AWS_REGION_PATTERN);

/**
 * The annotations of an entity are a contract, not a hint: with the load balancer ARN
 * annotation, the ARN's region must be a region (the pattern every other region in this
 * project follows), and an account-id or region annotation, when present, must say the same
 * as the ARN. Returns why not, naming both annotations, or undefined when they agree.
 *
 * @public
 */
export function loadBalancerArnContradiction(
  annotations: Record<string, string | undefined>,
  arn: { accountId: string; region: string },
): string | undefined {
  if (!REGION_RE.test(arn.region)) {
    return `Annotation ${ANNOTATION_ELBV2_LOAD_BALANCER_ARN} names the region "${arn.region}", which is not an AWS region (expected ${AWS_REGION_PATTERN}, such as us-east-1)`;
  }
  const accountId = annotations[ANNOTATION_ACCOUNT_ID]?.trim();
  if (accountId && accountId !== arn.accountId) {
    return `Annotation ${ANNOTATION_ACCOUNT_ID} says account ${accountId} but ${ANNOTATION_ELBV2_LOAD_BALANCER_ARN} is in account ${arn.accountId}; remove ${ANNOTATION_ACCOUNT_ID} or make the two agree`;
  }
  const region = annotations[ANNOTATION_REGION]?.trim();
  if (region && region !== arn.region) {
    return `Annotation ${ANNOTATION_REGION} says ${region} but ${ANNOTATION_ELBV2_LOAD_BALANCER_ARN} is in ${arn.region}; remove ${ANNOTATION_REGION} or make the two agree`;
  }
  return undefined;
}
