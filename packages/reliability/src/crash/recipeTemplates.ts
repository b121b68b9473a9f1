import { SandboxNetwork } from 'sandbox';

/*
 * Test templates with the AWS steps of the golden path, for the suites that run the real
 * backend as a child process: the onboarding template's steps before eksctl, and the
 * controller template's steps after it.
 */

function template(name: string, steps: object[]) {
  return {
    apiVersion: 'scaffolder.backstage.io/v1beta3',
    kind: 'Template',
    metadata: { name, namespace: 'default', title: name },
    spec: {
      owner: 'group:default/guests',
      type: 'service',
      parameters: [
        {
          type: 'object',
          properties: {
            networkAccountId: { type: 'string' },
            workloadAccountId: { type: 'string' },
            region: { type: 'string' },
            vpcId: { type: 'string' },
            albSubnetIds: { type: 'array', items: { type: 'string' } },
            nodeSubnetIds: { type: 'array', items: { type: 'string' } },
            sharedSubnetIds: { type: 'array', items: { type: 'string' } },
            clusterName: { type: 'string' },
          },
        },
      ],
      steps,
    },
  };
}

/** The AWS steps of the cluster onboarding template (before eksctl). */
export const ONBOARDING = template('reliability-onboarding', [
  {
    id: 'network',
    name: 'Check the shared network',
    action: 'aws:ec2:describe-shared-network',
    input: {
      networkAccountId: '${{ parameters.networkAccountId }}',
      region: '${{ parameters.region }}',
      vpcId: '${{ parameters.vpcId }}',
      albSubnetIds: '${{ parameters.albSubnetIds }}',
      nodeSubnetIds: '${{ parameters.nodeSubnetIds }}',
    },
  },
  {
    id: 'share',
    name: 'Share the subnets',
    action: 'aws:ram:share-subnets',
    input: {
      networkAccountId: '${{ parameters.networkAccountId }}',
      region: '${{ parameters.region }}',
      subnetIds: '${{ parameters.sharedSubnetIds }}',
      principals: ['${{ parameters.workloadAccountId }}'],
    },
  },
  {
    id: 'resolve',
    name: 'Resolve the subnets in the workload account',
    action: 'aws:ec2:resolve-shared-subnets',
    input: {
      workloadAccountId: '${{ parameters.workloadAccountId }}',
      networkAccountId: '${{ parameters.networkAccountId }}',
      region: '${{ parameters.region }}',
      subnetIds: '${{ parameters.nodeSubnetIds }}',
    },
  },
]);

/** The AWS steps of the controller and application templates (after eksctl). */
export const CONTROLLER = template('reliability-controller', [
  {
    id: 'cluster',
    name: 'Describe the cluster',
    action: 'aws:eks:describe-cluster',
    input: {
      workloadAccountId: '${{ parameters.workloadAccountId }}',
      region: '${{ parameters.region }}',
      clusterName: '${{ parameters.clusterName }}',
    },
  },
  {
    id: 'oidc',
    name: 'OIDC provider',
    action: 'aws:iam:ensure-oidc-provider',
    input: {
      networkAccountId: '${{ parameters.networkAccountId }}',
      region: '${{ parameters.region }}',
      oidcIssuerUrl: '${{ steps.cluster.output.oidcIssuerUrl }}',
    },
  },
  {
    id: 'role',
    name: 'Controller role',
    action: 'aws:iam:ensure-load-balancer-controller-role',
    input: {
      networkAccountId: '${{ parameters.networkAccountId }}',
      workloadAccountId: '${{ parameters.workloadAccountId }}',
      region: '${{ parameters.region }}',
      clusterName: '${{ parameters.clusterName }}',
      oidcIssuerUrl: '${{ steps.cluster.output.oidcIssuerUrl }}',
    },
  },
  {
    id: 'albsg',
    name: 'ALB security group',
    action: 'aws:ec2:ensure-alb-security-group',
    input: {
      networkAccountId: '${{ parameters.networkAccountId }}',
      region: '${{ parameters.region }}',
      vpcId: '${{ parameters.vpcId }}',
      clusterName: '${{ parameters.clusterName }}',
      listenerPorts: [80, 443],
    },
  },
  {
    id: 'nodes',
    name: 'Let the ALB reach the nodes',
    action: 'aws:ec2:allow-alb-to-nodes',
    input: {
      workloadAccountId: '${{ parameters.workloadAccountId }}',
      networkAccountId: '${{ parameters.networkAccountId }}',
      region: '${{ parameters.region }}',
      nodeSecurityGroupId: '${{ steps.cluster.output.clusterSecurityGroupId }}',
      albSecurityGroupId: '${{ steps.albsg.output.securityGroupId }}',
      fromPort: 80,
    },
  },
]);

/** The parameters both templates take, for one cluster on the seeded network. */
export function recipeValues(network: SandboxNetwork, clusterName: string) {
  return {
    networkAccountId: network.networkAccountId,
    workloadAccountId: network.workloadAccountId,
    region: network.region,
    vpcId: network.vpcId,
    albSubnetIds: network.publicSubnets.map(s => s.subnetId),
    nodeSubnetIds: network.privateSubnets.map(s => s.subnetId),
    sharedSubnetIds: [...network.privateSubnets, ...network.publicSubnets].map(
      s => s.subnetId,
    ),
    clusterName,
  };
}
