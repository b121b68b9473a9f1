/* The recipe's action inputs for one cluster in the two sandbox accounts; tests only. */
import {
  SANDBOX_DNS_ACCOUNT_ID as DNS,
  SANDBOX_DNS_ZONE_NAME,
  SANDBOX_NETWORK_ACCOUNT_ID as NETWORK,
  SANDBOX_REGION as REGION,
  SANDBOX_WORKLOAD_ACCOUNT_ID as WORKLOAD,
  SandboxNetwork,
} from 'sandbox';

/** What a run has learned so far about one cluster, for the next step's input. */
export interface RecipeIds {
  network: SandboxNetwork;
  clusterName: string;
  issuer?: string;
  nodeSecurityGroupId?: string;
  albSecurityGroupId?: string;
  resourceShareArn?: string;
  /** The DNS account's public zone (seedSandboxDnsZone). */
  hostedZoneId?: string;
  /** A web ACL of the network account (seedSandboxWebAcl). */
  webAclArn?: string;
}

/** The input each recipe and teardown action takes, by action ID. */
export function recipeInput(
  action: string,
  ids: RecipeIds,
): Record<string, unknown> {
  const { network, clusterName } = ids;
  const inNetwork = { networkAccountId: NETWORK, region: REGION };
  const inWorkload = { workloadAccountId: WORKLOAD, region: REGION };
  const nodeSubnetIds = network.privateSubnets.map(s => s.subnetId);
  const nodeRule = {
    ...inNetwork,
    ...inWorkload,
    nodeSecurityGroupId: ids.nodeSecurityGroupId,
    albSecurityGroupId: ids.albSecurityGroupId,
    fromPort: 80,
  };
  const inputs: Record<string, Record<string, unknown>> = {
    'aws:ec2:describe-shared-network': {
      ...inNetwork,
      workloadAccountId: WORKLOAD,
      vpcId: network.vpcId,
      albSubnetIds: network.publicSubnets.map(s => s.subnetId),
      nodeSubnetIds,
    },
    'aws:ram:share-subnets': {
      ...inNetwork,
      subnetIds: nodeSubnetIds,
      principals: [WORKLOAD],
    },
    'aws:ec2:resolve-shared-subnets': {
      ...inWorkload,
      networkAccountId: NETWORK,
      subnetIds: nodeSubnetIds,
    },
    'aws:eks:describe-cluster': { ...inWorkload, clusterName },
    'aws:iam:ensure-oidc-provider': {
      ...inNetwork,
      oidcIssuerUrl: ids.issuer,
    },
    'aws:iam:ensure-load-balancer-controller-role': {
      ...inNetwork,
      workloadAccountId: WORKLOAD,
      clusterName,
      oidcIssuerUrl: ids.issuer,
    },
    'aws:ec2:ensure-alb-security-group': {
      ...inNetwork,
      vpcId: network.vpcId,
      clusterName,
    },
    'aws:ec2:allow-alb-to-nodes': nodeRule,
    'aws:iam:ensure-external-dns-role': {
      dnsAccountId: DNS,
      workloadAccountId: WORKLOAD,
      region: REGION,
      clusterName,
      oidcIssuerUrl: ids.issuer,
      hostedZoneId: ids.hostedZoneId,
      hostedZoneName: SANDBOX_DNS_ZONE_NAME,
    },
    'aws:acm:delete-certificate': {
      ...inNetwork,
      hostName: `${clusterName}.${SANDBOX_DNS_ZONE_NAME}`,
      dnsAccountId: DNS,
      hostedZoneId: ids.hostedZoneId,
      hostedZoneName: SANDBOX_DNS_ZONE_NAME,
    },
    'aws:acm:ensure-certificate': {
      ...inNetwork,
      hostName: `${clusterName}.${SANDBOX_DNS_ZONE_NAME}`,
      dnsAccountId: DNS,
      hostedZoneId: ids.hostedZoneId,
      hostedZoneName: SANDBOX_DNS_ZONE_NAME,
      waitTimeoutSeconds: 60,
    },
    'aws:wafv2:check-web-acl': { ...inNetwork, wafAclArn: ids.webAclArn },
    'aws:elbv2:check-no-load-balancers': { ...inNetwork, clusterName },
    'aws:ec2:revoke-alb-to-nodes': nodeRule,
    'aws:ec2:delete-alb-security-group': {
      ...inNetwork,
      vpcId: network.vpcId,
      clusterName,
    },
    'aws:iam:delete-load-balancer-controller-role': {
      ...inNetwork,
      workloadAccountId: WORKLOAD,
      clusterName,
      deletePolicy: true,
    },
    'aws:iam:delete-external-dns-role': {
      dnsAccountId: DNS,
      workloadAccountId: WORKLOAD,
      region: REGION,
      clusterName,
      oidcIssuerUrl: ids.issuer,
    },
    'aws:iam:delete-oidc-provider': {
      ...inNetwork,
      oidcIssuerUrl: ids.issuer,
    },
    'aws:ram:delete-subnet-share': {
      ...inNetwork,
      resourceShareArn: ids.resourceShareArn,
    },
  };
  const input = inputs[action];
  if (!input) throw new Error(`No recipe input for ${action}`);
  return input;
}
