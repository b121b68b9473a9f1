/*
 * The clean-up half of the stand-ins: what `kubectl delete -f app.yaml` makes the controller
 * do (delete the ALB, its listeners and target groups) and what `eksctl delete cluster` does
 * (node groups, cluster, the roles eksctl created). Idempotent; a dry run lists what would go.
 */
import {
  DeleteClusterCommand,
  DeleteNodegroupCommand,
  DescribeClusterCommand,
  EKSClient,
  ListNodegroupsCommand,
} from '@aws-sdk/client-eks';
import { DeleteRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { InputError } from '@backstage/errors';
import { ACCOUNT_ID_PATTERN, eksctlClientOptions } from './aws';
import { sandboxDeleteStack } from './lbc';
import { isNotFound } from '@cross-account-alb/plugin-aws-cross-account-node';

export interface TeardownResult {
  /** ARNs or names of what was deleted (or, on a dry run, would be). */
  deleted: string[];
  dryRun: boolean;
}

/**
 * Deletes what the controller made for an Ingress stack (`namespace/ingress` or the
 * group name): listeners, the ALB, then the stack's target groups; the stack's Ingresses
 * leave the sandbox cluster. See sandboxDeleteIngress in lbc.ts for one Ingress of a group.
 */
export async function sandboxDeleteIngressStack(options: {
  networkAccountId: string;
  region: string;
  clusterName: string;
  stack: string;
  /** The cluster's account, where the controller's service account token comes from. */
  workloadAccountId: string;
  dryRun?: boolean;
}): Promise<TeardownResult> {
  const deleted = await sandboxDeleteStack(options);
  return { deleted, dryRun: !!options.dryRun };
}

/** Deletes the cluster eksctl made: node groups, the cluster, the eksctl-* roles. */
export async function sandboxEksctlDeleteCluster(options: {
  workloadAccountId: string;
  region: string;
  clusterName: string;
  dryRun?: boolean;
}): Promise<TeardownResult> {
  if (!ACCOUNT_ID_PATTERN.test(options.workloadAccountId)) {
    throw new InputError(
      `Invalid workload account ID "${options.workloadAccountId}"`,
    );
  }
  const clientOptions = await eksctlClientOptions(
    options.workloadAccountId,
    options.region,
  );
  const eks = new EKSClient(clientOptions);
  const iam = new IAMClient(clientOptions);
  const dryRun = !!options.dryRun;
  const deleted: string[] = [];
  const name = options.clusterName;
  let clusterArn: string | undefined;
  try {
    const { cluster } = await eks.send(new DescribeClusterCommand({ name }));
    clusterArn = cluster?.arn;
  } catch (e) {
    if ((e as Error).name !== 'ResourceNotFoundException') throw e;
  }
  if (clusterArn) {
    const { nodegroups = [] } = await eks.send(
      new ListNodegroupsCommand({ clusterName: name }),
    );
    for (const ng of nodegroups) {
      if (!dryRun) {
        await eks.send(
          new DeleteNodegroupCommand({ clusterName: name, nodegroupName: ng }),
        );
      }
      deleted.push(`nodegroup/${name}/${ng}`);
    }
    if (!dryRun) await eks.send(new DeleteClusterCommand({ name }));
    deleted.push(clusterArn);
  }
  for (const kind of ['nodegroup-NodeInstanceRole', 'cluster-ServiceRole']) {
    const roleName = `eksctl-${name}-${kind}`.slice(0, 64);
    try {
      if (!dryRun)
        await iam.send(new DeleteRoleCommand({ RoleName: roleName }));
      else if (!clusterArn) continue;
      deleted.push(`role/${roleName}`);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
  return { deleted, dryRun };
}
