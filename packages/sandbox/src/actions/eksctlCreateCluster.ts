import fs from 'node:fs';
import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  SandboxClusterSpec,
  parseEksctlClusterConfig,
  sandboxEksctlCreateCluster,
} from '../standins/eksctl';
import { eksClusterArn } from '@cross-account-alb/plugin-aws-cross-account-node';

export const EKSCTL_CREATE_CLUSTER_ID = 'sandbox:eksctl:create-cluster';

export function createEksctlCreateClusterAction() {
  return createTemplateAction({
    id: EKSCTL_CREATE_CLUSTER_ID,
    description:
      'Sandbox stand-in for `eksctl create cluster -f <ClusterConfig>`: creates the EKS cluster and its managed node group in the workload account (Account-B) on the shared private subnets, through the EKS API. Reads the ClusterConfig from the workspace, or takes the values directly. Idempotent.',
    supportsDryRun: true,
    schema: {
      input: {
        workloadAccountId: z =>
          z
            .string()
            .regex(/^\d{12}$/, { message: 'a 12-digit AWS account ID' }),
        configPath: z =>
          z
            .string()
            .default('cluster/eksctl-cluster.yaml')
            .describe(
              'eksctl ClusterConfig in the workspace; ignored when clusterName, region and privateSubnetIds are given',
            ),
        clusterName: z => z.string().optional(),
        region: z => z.string().optional(),
        vpcId: z => z.string().optional(),
        privateSubnetIds: z => z.array(z.string()).optional(),
        version: z => z.string().optional(),
        instanceType: z => z.string().optional(),
        desiredCapacity: z => z.number().int().min(0).optional(),
        minSize: z => z.number().int().min(0).optional(),
        maxSize: z => z.number().int().min(1).optional(),
      },
      output: {
        clusterName: z => z.string(),
        issuer: z => z.string(),
        clusterSecurityGroupId: z => z.string(),
        clusterArn: z => z.string(),
        vpcId: z => z.string(),
        created: z => z.boolean(),
      },
    },
    async handler(ctx) {
      const { input } = ctx;
      let spec: SandboxClusterSpec;
      if (input.clusterName && input.region && input.privateSubnetIds?.length) {
        spec = {
          clusterName: input.clusterName,
          region: input.region,
          vpcId: input.vpcId,
          privateSubnetIds: input.privateSubnetIds,
          version: input.version,
          nodeGroup: {
            instanceType: input.instanceType,
            desiredCapacity: input.desiredCapacity,
            minSize: input.minSize,
            maxSize: input.maxSize,
          },
        };
      } else {
        const configPath = input.configPath ?? 'cluster/eksctl-cluster.yaml';
        const file = resolveSafeChildPath(ctx.workspacePath, configPath);
        if (!fs.existsSync(file)) {
          throw new InputError(
            `No eksctl ClusterConfig at ${configPath} in the workspace, and no clusterName, region and privateSubnetIds given`,
          );
        }
        spec = parseEksctlClusterConfig(fs.readFileSync(file, 'utf8'));
      }
      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would create EKS cluster ${spec.clusterName} in ${
            input.workloadAccountId
          } (${spec.region}) on ${spec.privateSubnetIds.join(', ')}`,
        );
        ctx.output('clusterName', spec.clusterName);
        ctx.output(
          'issuer',
          `https://oidc.eks.${spec.region}.amazonaws.com/id/00000000000000000000000000000000`,
        );
        ctx.output('clusterSecurityGroupId', 'sg-00000000000000000');
        ctx.output(
          'clusterArn',
          eksClusterArn(spec.region, input.workloadAccountId, spec.clusterName),
        );
        ctx.output('vpcId', spec.vpcId ?? 'vpc-00000000000000000');
        ctx.output('created', false);
        return;
      }
      const result = await sandboxEksctlCreateCluster({
        spec,
        workloadAccountId: input.workloadAccountId,
      });
      ctx.logger.info(
        result.created
          ? `Created EKS cluster ${result.clusterName} (issuer ${result.issuer})`
          : `EKS cluster ${result.clusterName} exists already (issuer ${result.issuer})`,
      );
      ctx.output('clusterName', result.clusterName);
      ctx.output('issuer', result.issuer);
      ctx.output('clusterSecurityGroupId', result.clusterSecurityGroupId);
      ctx.output('clusterArn', result.clusterArn);
      ctx.output('vpcId', result.vpcId);
      ctx.output('created', result.created);
    },
  });
}
