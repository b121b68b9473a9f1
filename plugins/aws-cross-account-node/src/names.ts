import { createHash } from 'node:crypto';

const CONTROLLER_ROLE_SUFFIX = '-aws-lbc';
/** IAM role names are at most 64 characters. */
const IAM_ROLE_NAME_MAX = 64;

/**
 * The name of the Load Balancer Controller's IAM role of one cluster, in the network account:
 * `<clusterName>-<workloadAccountId>-aws-lbc`.
 *
 * An EKS cluster name is unique only inside one workload account (and region), while every
 * workload account's controller role lives in the one network account, so the name carries the
 * workload account: clusters of one name in two workload accounts get two roles. A cluster
 * name longer than fits in IAM's 64 characters (more than 43 characters here) is cut and ends
 * with the first 8 hex digits of its SHA-256, so the name stays deterministic and distinct.
 * `prefix` (e.g. `sandbox-`) is put in front within the same 64 characters.
 *
 * @public
 */
export function buildControllerRoleName(
  clusterName: string,
  workloadAccountId: string,
  prefix = '',
): string {
  const tail = `-${workloadAccountId}${CONTROLLER_ROLE_SUFFIX}`;
  const room = IAM_ROLE_NAME_MAX - prefix.length - tail.length;
  if (room < 10) {
    throw new Error(`Prefix "${prefix}" leaves no room for a cluster name`);
  }
  const cluster =
    clusterName.length <= room
      ? clusterName
      : `${clusterName.slice(0, room - 9)}-${createHash('sha256')
          .update(clusterName)
          .digest('hex')
          .slice(0, 8)}`;
  return `${prefix}${cluster}${tail}`;
}
