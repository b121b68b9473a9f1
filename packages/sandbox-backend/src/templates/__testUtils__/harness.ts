/*
 * Test harness for the software templates: a test backend with the scaffolder, the GitHub
 * publisher, this project's AWS actions and an in-memory catalog, pointed at a sandbox AWS.
 * Runs templates through the real dry-run endpoint and parses what they write.
 */
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import githubModule from '@backstage/plugin-scaffolder-backend-module-github';
import awsActionsModule from '@cross-account-alb/plugin-scaffolder-backend-module-aws-cross-account';
import type { Entity } from '@backstage/catalog-model';
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import yaml from 'yaml';
import { CreateClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import {
  SANDBOX_NETWORK_ACCOUNT_ID,
  SANDBOX_REGION,
  SANDBOX_WORKLOAD_ACCOUNT_ID,
  sandboxAwsConfig,
  sandboxAdminCredentials,
  seedSandboxNetwork,
  shareSandboxSubnets,
  startMoto,
  useSandboxEndpoint,
  withSandboxAdditions,
} from 'sandbox';

// Test utilities always run from source, so the repository is found relative to this file.
// eslint-disable-next-line no-restricted-syntax
export const REPO_ROOT = path.resolve(__dirname, '../../../../..');
export const TEMPLATES_DIR = path.join(REPO_ROOT, 'templates');

export const TEMPLATE_NAMES = [
  'cluster-onboarding',
  'load-balancer-controller',
  'alb-application',
  'teardown',
] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

/**
 * A template as the sandbox portal's catalog serves it: with the sandbox publish target
 * added (what the sandbox catalog module does), since these tests run in the sandbox.
 */
export function loadTemplate(name: TemplateName) {
  const dir = path.join(TEMPLATES_DIR, name);
  const template = withSandboxAdditions(
    yaml.parse(fs.readFileSync(path.join(dir, 'template.yaml'), 'utf8')),
  );
  const directoryContents: { path: string; base64Content: string }[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), {
      withFileTypes: true,
    })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else if (child !== 'template.yaml') {
        directoryContents.push({
          path: child,
          base64Content: fs
            .readFileSync(path.join(dir, child))
            .toString('base64'),
        });
      }
    }
  };
  walk('');
  return { template, directoryContents };
}

export interface DryRunResult {
  status: number;
  body: any;
  files: Record<string, string>;
  log: string[];
}

export async function startTemplateBackend(options: { entities: Entity[] }) {
  const { server } = await startTestBackend({
    features: [
      scaffolderPlugin,
      githubModule,
      awsActionsModule,
      catalogServiceMock.factory({ entities: options.entities }),
      mockServices.rootConfig.factory({
        data: {
          aws: sandboxAwsConfig(),
          integrations: {
            github: [{ host: 'github.com', token: 'not-used-in-dry-run' }],
          },
        },
      }),
    ],
  });

  async function dryRun(
    name: TemplateName,
    values: Record<string, unknown>,
  ): Promise<DryRunResult> {
    const { template, directoryContents } = loadTemplate(name);
    const res = await request(server)
      .post('/api/scaffolder/v2/dry-run')
      .set('Authorization', mockCredentials.user.header())
      .send({ template, values, secrets: {}, directoryContents });
    const files: Record<string, string> = {};
    for (const file of res.body.directoryContents ?? []) {
      files[file.path] = Buffer.from(file.base64Content, 'base64').toString(
        'utf8',
      );
    }
    const log = (res.body.log ?? []).map((l: any) =>
      String(l.body?.message ?? ''),
    );
    return { status: res.status, body: res.body, files, log };
  }

  return { server, dryRun };
}

/** The cluster Resource entity that the onboarding template registers. */
export function clusterEntity(options: {
  name: string;
  networkAccountId: string;
  workloadAccountId: string;
  region: string;
  vpcId: string;
  albSubnetIds: string[];
  nodeSubnetIds: string[];
}): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Resource',
    metadata: {
      name: options.name,
      namespace: 'default',
      annotations: {
        'cross-account-alb.io/network-account-id': options.networkAccountId,
        'cross-account-alb.io/workload-account-id': options.workloadAccountId,
        'cross-account-alb.io/eks-cluster-name': options.name,
        'cross-account-alb.io/vpc-id': options.vpcId,
        'cross-account-alb.io/alb-subnet-ids': options.albSubnetIds.join(','),
        'cross-account-alb.io/node-subnet-ids': options.nodeSubnetIds.join(','),
        'aws.amazon.com/region': options.region,
      },
    },
    spec: { type: 'eks-cluster', owner: 'group:default/guests' },
  };
}

export const GUESTS_GROUP: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Group',
  metadata: { name: 'guests', namespace: 'default' },
  spec: { type: 'team', children: [] },
};

/**
 * The sandbox the dry-run tests share: moto with Account-A's network, an EKS cluster in
 * Account-B (eksctl's part), and a template backend whose catalog holds that cluster's
 * Resource entity, as template 1 registers it.
 */
export async function startTemplateSandbox(clusterName: string) {
  const moto = await startMoto();
  const restore = useSandboxEndpoint(moto.endpoint);
  const network = await seedSandboxNetwork();
  // eksctl's cluster goes on the private subnets once they are shared (template 1), so EKS
  // reports the shared VPC as the cluster's.
  await shareSandboxSubnets(network, { includePublic: false });
  const { sdkCredentialProvider } = await sandboxAdminCredentials(
    SANDBOX_WORKLOAD_ACCOUNT_ID,
  );
  await new EKSClient({
    region: SANDBOX_REGION,
    credentials: sdkCredentialProvider,
  }).send(
    new CreateClusterCommand({
      name: clusterName,
      roleArn: `arn:aws:iam::${SANDBOX_WORKLOAD_ACCOUNT_ID}:role/eks-cluster`,
      resourcesVpcConfig: {
        subnetIds: network.privateSubnets.map(s => s.subnetId),
      },
    }),
  );
  const backend = await startTemplateBackend({
    entities: [
      GUESTS_GROUP,
      clusterEntity({
        name: clusterName,
        networkAccountId: SANDBOX_NETWORK_ACCOUNT_ID,
        workloadAccountId: SANDBOX_WORKLOAD_ACCOUNT_ID,
        region: SANDBOX_REGION,
        vpcId: network.vpcId,
        albSubnetIds: network.publicSubnets.map(s => s.subnetId),
        nodeSubnetIds: network.privateSubnets.map(s => s.subnetId),
      }),
    ],
  });
  return {
    network,
    backend,
    async stop() {
      restore();
      await moto.stop();
    },
  };
}
