import { DescribeClusterCommand } from '@aws-sdk/client-eks';
import {
  actionContext,
  awsError,
  ISSUER,
  mockAws,
  REGION,
  WORKLOAD,
} from '../__testUtils__/testing';
import { createDescribeClusterAction } from './describeCluster';

const input = {
  workloadAccountId: WORKLOAD,
  region: REGION,
  clusterName: 'shop-prod',
};
const cluster = {
  name: 'shop-prod',
  arn: `arn:aws:eks:us-east-1:${WORKLOAD}:cluster/shop-prod`,
  status: 'ACTIVE' as const,
  version: '1.33',
  identity: { oidc: { issuer: ISSUER } },
  resourcesVpcConfig: {
    vpcId: 'vpc-0a1b2c3d4e5f60718',
    clusterSecurityGroupId: 'sg-0c0000000000000c1',
  },
};

function setup() {
  const aws = mockAws();
  aws.mocks.eks.on(DescribeClusterCommand).resolves({ cluster });
  return { aws, action: createDescribeClusterAction({ clients: aws.clients }) };
}

describe('aws:eks:describe-cluster', () => {
  it('outputs the issuer, cluster security group, VPC, version and status', async () => {
    const { aws, action } = setup();
    const { ctx, outputs } = actionContext(input);
    await action.handler(ctx);
    expect(outputs()).toEqual({
      clusterName: 'shop-prod',
      clusterArn: cluster.arn,
      oidcIssuerUrl: ISSUER,
      clusterSecurityGroupId: 'sg-0c0000000000000c1',
      vpcId: 'vpc-0a1b2c3d4e5f60718',
      version: '1.33',
      status: 'ACTIVE',
    });
    expect(aws.targets).toEqual([
      { accountId: WORKLOAD, region: REGION, service: 'eks' },
    ]);
  });

  it('says how to create a missing cluster', async () => {
    const { aws, action } = setup();
    aws.mocks.eks
      .on(DescribeClusterCommand)
      .rejects(awsError('ResourceNotFoundException'));
    await expect(action.handler(actionContext(input).ctx)).rejects.toThrow(
      /EKS cluster shop-prod does not exist in workload account 222222222222 .*eksctl create cluster/,
    );
  });

  it('refuses a cluster that is not ACTIVE yet', async () => {
    const { aws, action } = setup();
    aws.mocks.eks
      .on(DescribeClusterCommand)
      .resolves({ cluster: { ...cluster, status: 'CREATING' } });
    await expect(action.handler(actionContext(input).ctx)).rejects.toThrow(
      /is CREATING, not ACTIVE/,
    );
  });

  it('maps AccessDenied', async () => {
    const { aws, action } = setup();
    aws.mocks.eks
      .on(DescribeClusterCommand)
      .rejects(awsError('AccessDeniedException'));
    await expect(action.handler(actionContext(input).ctx)).rejects.toThrow(
      /backstage-alb-workload .* eks:DescribeCluster/,
    );
  });

  it('dry-run reads the cluster (and nothing else) and outputs what it found', async () => {
    const { aws, action } = setup();
    const { ctx, outputs } = actionContext(input, { isDryRun: true });
    await action.handler(ctx);
    expect(aws.commands()).toEqual(['DescribeClusterCommand']);
    expect(aws.mutations()).toEqual([]);
    expect(outputs()).toMatchObject({
      oidcIssuerUrl: ISSUER,
      clusterSecurityGroupId: expect.stringMatching(/^sg-/),
      dryRun: true,
    });
  });

  it('dry-run falls back to placeholders when the cluster does not exist yet', async () => {
    const { aws, action } = setup();
    aws.mocks.eks
      .on(DescribeClusterCommand)
      .rejects(awsError('ResourceNotFoundException'));
    const { ctx, outputs } = actionContext(input, { isDryRun: true });
    await action.handler(ctx);
    expect(outputs()).toMatchObject({
      status: 'ACTIVE',
      clusterSecurityGroupId: 'sg-00000000',
      dryRun: true,
    });
  });

  it('dry-run falls back to placeholders when the cluster cannot be read', async () => {
    const { aws, action } = setup();
    aws.mocks.eks
      .on(DescribeClusterCommand)
      .rejects(awsError('AccessDeniedException'));
    const { ctx, outputs } = actionContext(input, { isDryRun: true });
    await action.handler(ctx);
    expect(outputs()).toMatchObject({ status: 'ACTIVE', dryRun: true });
  });

  it('rejects a bad cluster name before any AWS call', async () => {
    const { aws, action } = setup();
    await expect(
      action.handler(actionContext({ ...input, clusterName: '-bad name' }).ctx),
    ).rejects.toThrow(/clusterName: expected an EKS cluster name/);
    expect(aws.commands()).toEqual([]);
  });
});
