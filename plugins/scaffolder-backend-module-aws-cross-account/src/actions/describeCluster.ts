import {
  Cluster,
  DescribeClusterCommand,
  EKSClient,
} from '@aws-sdk/client-eks';
import { ConflictError, NotFoundError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { EKS_OIDC_ISSUER_PATTERN } from '@cross-account-alb/plugin-aws-alb-common';
import { z } from 'zod/v3';
import {
  AwsActionOptions,
  call,
  ScopeBase,
  workloadScope,
  AwsTemplateAction,
} from '../lib/action';
import { fields, parseInput, Zod } from '../lib/schemas';
import { examples } from './describeCluster.examples';
import {
  eksClusterArn,
  unlessAwsError,
} from '@cross-account-alb/plugin-aws-cross-account-node';

export const DESCRIBE_CLUSTER_ID = 'aws:eks:describe-cluster';

const inputSchema = (zod: Zod) => {
  const f = fields(zod);
  return zod.object({
    workloadAccountId: f.workloadAccountId(),
    region: f.region(),
    clusterName: f.clusterName(),
  });
};

const outputSchema = (zod: Zod) =>
  zod.object({
    clusterName: zod.string(),
    clusterArn: zod.string(),
    oidcIssuerUrl: zod.string(),
    clusterSecurityGroupId: zod.string().optional(),
    vpcId: zod.string().optional(),
    version: zod.string(),
    status: zod.string(),
    dryRun: zod.boolean().optional(),
  });

type Input = z.infer<ReturnType<typeof inputSchema>>;

export function createDescribeClusterAction(
  options: AwsActionOptions,
): AwsTemplateAction {
  return createTemplateAction({
    id: DESCRIBE_CLUSTER_ID,
    description:
      "Reads the EKS cluster in the workload account (Account-B): its OIDC issuer, cluster security group, VPC, version and status. Fails unless the cluster exists and is ACTIVE, since the controller's IAM role needs the issuer. In a dry-run it reads too (a read changes nothing) and falls back to placeholders when the cluster does not exist yet.",
    examples,
    supportsDryRun: true,
    schema: { input: inputSchema, output: outputSchema },
    async handler(ctx) {
      const input: Input = parseInput(
        inputSchema(z),
        ctx.input,
        DESCRIBE_CLUSTER_ID,
      );
      const scope = workloadScope(options, input.workloadAccountId);

      if (ctx.isDryRun) {
        // A read changes nothing, and what it finds makes the rest of a dry-run true to life
        // (a teardown dry-run lists the real node rule and OIDC provider). A cluster eksctl
        // has not made yet, or a read the portal may not make, falls back to placeholders.
        let found: Cluster | undefined;
        let readFailed = false;
        try {
          found = await readCluster(options, scope, input);
        } catch (error) {
          readFailed = true;
          ctx.logger.warn(
            `Dry run: could not read EKS cluster ${input.clusterName} (${
              (error as Error).message
            }); using placeholders`,
          );
        }
        if (found) {
          ctx.logger.info(
            `Dry run: read EKS cluster ${input.clusterName} (${
              found.status
            }), issuer ${found.identity?.oidc?.issuer ?? 'none yet'}`,
          );
        } else if (!readFailed) {
          ctx.logger.info(
            `Dry run: EKS cluster ${input.clusterName} does not exist in workload account ${input.workloadAccountId} yet; using placeholders`,
          );
        }
        const vpcConfig = found?.resourcesVpcConfig;
        ctx.output('clusterName', input.clusterName);
        ctx.output(
          'clusterArn',
          found?.arn ??
            eksClusterArn(
              input.region,
              input.workloadAccountId,
              input.clusterName,
            ),
        );
        ctx.output(
          'oidcIssuerUrl',
          found?.identity?.oidc?.issuer ??
            `https://oidc.eks.${input.region}.amazonaws.com/id/00000000000000000000000000000000`,
        );
        ctx.output(
          'clusterSecurityGroupId',
          vpcConfig?.clusterSecurityGroupId ?? 'sg-00000000',
        );
        ctx.output('vpcId', vpcConfig?.vpcId ?? 'vpc-00000000');
        ctx.output('version', found?.version ?? '1.33');
        ctx.output('status', found?.status ?? 'ACTIVE');
        ctx.output('dryRun', true);
        return;
      }
      const cluster = await readCluster(options, scope, input);
      if (!cluster) {
        throw new NotFoundError(
          `EKS cluster ${input.clusterName} does not exist in workload account ${input.workloadAccountId} (${input.region}). Create it first (eksctl create cluster -f cluster.yaml) on the shared subnets.`,
        );
      }
      if (cluster.status !== 'ACTIVE') {
        throw new ConflictError(
          `EKS cluster ${input.clusterName} in workload account ${input.workloadAccountId} is ${cluster.status}, not ACTIVE. Wait for eksctl to finish, then retry this step.`,
        );
      }
      const issuer = cluster.identity?.oidc?.issuer;
      if (!issuer) {
        throw new ConflictError(
          `EKS cluster ${input.clusterName} reports no OIDC issuer yet; retry once it is ACTIVE`,
        );
      }
      if (!new RegExp(EKS_OIDC_ISSUER_PATTERN).test(issuer)) {
        ctx.logger.warn(
          `The OIDC issuer ${issuer} does not have the usual EKS form; aws:iam:ensure-oidc-provider will refuse it`,
        );
      }
      const vpc = cluster.resourcesVpcConfig;
      ctx.logger.info(
        `EKS cluster ${input.clusterName} is ACTIVE (version ${cluster.version}), issuer ${issuer}`,
      );
      ctx.output('clusterName', input.clusterName);
      ctx.output('clusterArn', cluster.arn ?? '');
      ctx.output('oidcIssuerUrl', issuer);
      if (vpc?.clusterSecurityGroupId) {
        ctx.output('clusterSecurityGroupId', vpc.clusterSecurityGroupId);
      }
      if (vpc?.vpcId) ctx.output('vpcId', vpc.vpcId);
      ctx.output('version', cluster.version ?? '');
      ctx.output('status', cluster.status);
    },
  });
}

/** The cluster, or undefined when it does not exist. */
async function readCluster(
  options: AwsActionOptions,
  scope: ScopeBase,
  input: Input,
): Promise<Cluster | undefined> {
  const eks = await options.clients.client(EKSClient, {
    accountId: input.workloadAccountId,
    region: input.region,
  });
  const response = await call(scope, 'eks:DescribeCluster', () =>
    unlessAwsError(
      ['ResourceNotFoundException'],
      eks.send(new DescribeClusterCommand({ name: input.clusterName })),
    ),
  );
  return response?.cluster;
}
