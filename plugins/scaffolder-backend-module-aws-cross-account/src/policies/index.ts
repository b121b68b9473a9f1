import { InputError } from '@backstage/errors';
import lbcPolicy from './aws-load-balancer-controller-iam-policy-v3.5.0.json';
import lbcPolicyCn from './aws-load-balancer-controller-iam-policy-cn-v3.5.0.json';
import lbcPolicyUsGov from './aws-load-balancer-controller-iam-policy-us-gov-v3.5.0.json';
import networkAccountPolicy from './backstage-network-account-policy.json';
import workloadAccountPolicy from './backstage-workload-account-policy.json';
import dnsAccountPolicy from './backstage-dns-account-policy.json';

/** The controller version whose official IAM policy (docs/install/iam_policy.json) ships here. */
export const LOAD_BALANCER_CONTROLLER_VERSION = 'v3.5.0';

/**
 * The official AWS Load Balancer Controller IAM policy for {@link LOAD_BALANCER_CONTROLLER_VERSION},
 * commercial partition (`aws`); see {@link loadBalancerControllerIamPolicy} for the others.
 */
export const LOAD_BALANCER_CONTROLLER_IAM_POLICY: object = lbcPolicy;

/**
 * The controller's IAM policy for a partition, as the controller ships it at
 * {@link LOAD_BALANCER_CONTROLLER_VERSION}: copied unchanged from
 * kubernetes-sigs/aws-load-balancer-controller at tag v3.5.0 (commit 11eb202c),
 * `docs/install/iam_policy.json` (`aws`), `docs/install/iam_policy_us-gov.json` (`aws-us-gov`)
 * and `docs/install/iam_policy_cn.json` (`aws-cn`). The variants differ in their ARNs'
 * partition and in their statements. Other partitions (the ISO ones) are refused: the project
 * ships no policy for them.
 */
export const LOAD_BALANCER_CONTROLLER_IAM_POLICY_SOURCES: Readonly<
  Record<string, string>
> = {
  aws: 'docs/install/iam_policy.json',
  'aws-us-gov': 'docs/install/iam_policy_us-gov.json',
  'aws-cn': 'docs/install/iam_policy_cn.json',
};

/** The controller's IAM policy for a partition; see {@link LOAD_BALANCER_CONTROLLER_IAM_POLICY_SOURCES}. */
export function loadBalancerControllerIamPolicy(partition: string): object {
  switch (partition) {
    case 'aws':
      return lbcPolicy;
    case 'aws-us-gov':
      return lbcPolicyUsGov;
    case 'aws-cn':
      return lbcPolicyCn;
    default:
      throw new InputError(
        `No AWS Load Balancer Controller ${LOAD_BALANCER_CONTROLLER_VERSION} IAM policy ships for partition ${partition}`,
      );
  }
}

/** Least-privilege policy for the role Backstage assumes in the network account (Account-A). */
export const BACKSTAGE_NETWORK_ACCOUNT_POLICY: object = networkAccountPolicy;

/** Least-privilege policy for the role Backstage assumes in the workload account (Account-B). */
export const BACKSTAGE_WORKLOAD_ACCOUNT_POLICY: object = workloadAccountPolicy;

/**
 * Least-privilege policy for the role Backstage assumes in an account that holds hosted zones
 * (the DNS account): reading the zone and upserting certificate validation CNAMEs (names
 * starting with `_`), nothing else.
 */
export const BACKSTAGE_DNS_ACCOUNT_POLICY: object = dnsAccountPolicy;
