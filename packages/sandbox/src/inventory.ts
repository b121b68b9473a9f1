/*
 * What the golden path has made in the sandbox, read back from both accounts the way an
 * operator would check it: the tests that count resources (idempotency, crash/resume,
 * teardown) all read it here.
 */
import {
  DescribeSecurityGroupsCommand,
  EC2Client,
  IpPermission,
} from '@aws-sdk/client-ec2';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import {
  DescribeLoadBalancersCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  IAMClient,
  ListOpenIDConnectProvidersCommand,
  ListPoliciesCommand,
  ListRolesCommand,
} from '@aws-sdk/client-iam';
import { GetResourceSharesCommand, RAMClient } from '@aws-sdk/client-ram';
import { sandboxAdminClients } from './accounts';
import { SandboxNetwork } from './seed';
import { isNotFound } from '@cross-account-alb/plugin-aws-cross-account-node';

/** The IAM path of everything the project's actions create. */
const PROJECT_IAM_PATH = '/cross-account-alb/';

export interface SandboxSecurityGroup {
  groupId: string;
  groupName: string;
  /** Ingress as `protocol/port/source` (`protocol/from-to/source` for a range). */
  ingress: string[];
}

export interface RecipeInventory {
  /** ACTIVE resource shares owned by Account-A (ARNs). */
  shares: string[];
  /** IAM OIDC providers in Account-A (ARNs). */
  oidcProviders: string[];
  /** Roles under the project's IAM path in Account-A (names). */
  roles: string[];
  /** Customer-managed policies under the project's IAM path in Account-A (ARNs). */
  policies: string[];
  /** Security groups in the shared VPC, the VPC's default group left out. */
  securityGroups: SandboxSecurityGroup[];
  /** Load balancers in Account-A (ARNs). */
  loadBalancers: string[];
  /** The cluster security group in Account-B, when the cluster exists. */
  nodeSecurityGroup?: SandboxSecurityGroup;
}

/** `tcp/80/0.0.0.0/0`, `tcp/30000-32767/sg-…`: one entry per source of a permission. */
export function describeIngress(permissions: IpPermission[] = []): string[] {
  return permissions
    .flatMap(p => {
      const ports =
        p.FromPort === p.ToPort ? `${p.FromPort}` : `${p.FromPort}-${p.ToPort}`;
      const prefix = `${p.IpProtocol}/${ports}`;
      return [
        ...(p.IpRanges ?? []).map(r => `${prefix}/${r.CidrIp}`),
        ...(p.Ipv6Ranges ?? []).map(r => `${prefix}/${r.CidrIpv6}`),
        ...(p.UserIdGroupPairs ?? []).map(g => `${prefix}/${g.GroupId}`),
      ];
    })
    .sort();
}

/** Reads what exists in both accounts of `network`, for the cluster `clusterName`. */
export async function recipeInventory(
  network: SandboxNetwork,
  clusterName: string,
): Promise<RecipeInventory> {
  const { region, networkAccountId, workloadAccountId } = network;
  const clients = sandboxAdminClients();
  const inNetwork = { accountId: networkAccountId, region };
  const inWorkload = { accountId: workloadAccountId, region };
  const ram = await clients.client(RAMClient, inNetwork);
  const iam = await clients.client(IAMClient, inNetwork);
  const ec2A = await clients.client(EC2Client, inNetwork);
  const elbv2 = await clients.client(ElasticLoadBalancingV2Client, inNetwork);
  const eks = await clients.client(EKSClient, inWorkload);
  const ec2B = await clients.client(EC2Client, inWorkload);

  const [shares, providers, roles, policies, groups, lbs] = await Promise.all([
    ram.send(new GetResourceSharesCommand({ resourceOwner: 'SELF' })),
    iam.send(new ListOpenIDConnectProvidersCommand({})),
    iam.send(new ListRolesCommand({ PathPrefix: PROJECT_IAM_PATH })),
    iam.send(
      new ListPoliciesCommand({ Scope: 'Local', PathPrefix: PROJECT_IAM_PATH }),
    ),
    ec2A.send(
      new DescribeSecurityGroupsCommand({
        Filters: [{ Name: 'vpc-id', Values: [network.vpcId] }],
      }),
    ),
    elbv2.send(new DescribeLoadBalancersCommand({})),
  ]);
  const cluster = await eks
    .send(new DescribeClusterCommand({ name: clusterName }))
    .catch(error => {
      if (isNotFound(error)) {
        return undefined;
      }
      throw error;
    });
  const nodeGroupId =
    cluster?.cluster?.resourcesVpcConfig?.clusterSecurityGroupId;
  const nodeGroup = nodeGroupId
    ? (
        await ec2B.send(
          new DescribeSecurityGroupsCommand({ GroupIds: [nodeGroupId] }),
        )
      ).SecurityGroups?.[0]
    : undefined;

  return {
    shares: (shares.resourceShares ?? [])
      .filter(s => s.status === 'ACTIVE')
      .map(s => s.resourceShareArn!),
    oidcProviders: (providers.OpenIDConnectProviderList ?? []).map(p => p.Arn!),
    roles: (roles.Roles ?? []).map(r => r.RoleName!),
    policies: (policies.Policies ?? []).map(p => p.Arn!),
    securityGroups: (groups.SecurityGroups ?? [])
      .filter(g => g.GroupName !== 'default')
      .map(g => ({
        groupId: g.GroupId!,
        groupName: g.GroupName!,
        ingress: describeIngress(g.IpPermissions),
      })),
    loadBalancers: (lbs.LoadBalancers ?? []).map(lb => lb.LoadBalancerArn!),
    ...(nodeGroup
      ? {
          nodeSecurityGroup: {
            groupId: nodeGroup.GroupId!,
            groupName: nodeGroup.GroupName!,
            ingress: describeIngress(nodeGroup.IpPermissions),
          },
        }
      : {}),
  };
}

/** Ingress of the cluster security group whose source is `groupId` (the ALB's group). */
export function nodeRulesFrom(
  inventory: RecipeInventory,
  groupId: string | undefined,
): string[] {
  if (!groupId) return [];
  return (inventory.nodeSecurityGroup?.ingress ?? []).filter(rule =>
    rule.endsWith(`/${groupId}`),
  );
}
