import lbcPolicy from './aws-load-balancer-controller-iam-policy-v3.5.0.json';
import networkAccountPolicy from './backstage-network-account-policy.json';
import workloadAccountPolicy from './backstage-workload-account-policy.json';

/** The controller version whose official IAM policy (docs/install/iam_policy.json) ships here. */
export const LOAD_BALANCER_CONTROLLER_VERSION = 'v3.5.0';

/** The official AWS Load Balancer Controller IAM policy for {@link LOAD_BALANCER_CONTROLLER_VERSION}. */
export const LOAD_BALANCER_CONTROLLER_IAM_POLICY: object = lbcPolicy;

/** Least-privilege policy for the role Backstage assumes in the network account (Account-A). */
export const BACKSTAGE_NETWORK_ACCOUNT_POLICY: object = networkAccountPolicy;

/** Least-privilege policy for the role Backstage assumes in the workload account (Account-B). */
export const BACKSTAGE_WORKLOAD_ACCOUNT_POLICY: object = workloadAccountPolicy;
