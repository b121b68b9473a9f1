/*
 * What the scenario tests that run the templates as real tasks share: the catalog config
 * that serves the four templates, the form values of each template, and a client that runs
 * a task and waits for it (or for an entity) through the backend's HTTP API.
 */
import path from 'node:path';
import request from 'supertest';
import type { SandboxNetwork } from 'sandbox';
import { TEMPLATES_DIR } from './harness';

const TEMPLATES = [
  'cluster-onboarding',
  'load-balancer-controller',
  'alb-application',
  'teardown',
] as const;

/** `catalog.*` config serving the templates from the repository (file locations). */
export function portalCatalogConfig(templates: readonly string[] = TEMPLATES) {
  return {
    rules: [
      { allow: ['Component', 'System', 'Resource', 'Location', 'Group'] },
    ],
    locations: templates.map(name => ({
      type: 'file',
      target: path.join(TEMPLATES_DIR, name, 'template.yaml'),
      rules: [{ allow: ['Template'] }],
    })),
    processingInterval: { seconds: 1 },
  };
}

/** Template 1's form, publishing to the sandbox. */
export function onboardingValues(
  network: SandboxNetwork,
  options: { clusterName: string; workloadAccountId?: string; owner?: string },
) {
  return {
    networkAccountId: network.networkAccountId,
    workloadAccountId: options.workloadAccountId ?? network.workloadAccountId,
    region: network.region,
    vpcId: network.vpcId,
    publicSubnetIds: network.publicSubnets.map(s => s.subnetId),
    privateSubnetIds: network.privateSubnets.map(s => s.subnetId),
    sharePublicSubnets: false,
    clusterName: options.clusterName,
    kubernetesVersion: '1.33',
    instanceType: 'm6i.large',
    desiredSize: 2,
    minSize: 2,
    maxSize: 4,
    owner: options.owner ?? 'group:default/guests',
    publishTo: 'sandbox',
  };
}

/** Template 2's form. */
export function controllerValues(clusterName: string) {
  return {
    cluster: `resource:default/${clusterName}`,
    namespace: 'kube-system',
    serviceAccountName: 'aws-load-balancer-controller',
    publishTo: 'sandbox',
  };
}

/** Template 3's form, the 2048 sample image, in a namespace of the application's name. */
export function applicationValues(options: {
  name: string;
  clusterName: string;
  owner?: string;
  replicas?: number;
  groupName?: string;
}) {
  return {
    name: options.name,
    cluster: `resource:default/${options.clusterName}`,
    owner: options.owner ?? 'group:default/guests',
    namespace: options.name,
    image: 'public.ecr.aws/l6m2t8p7/docker-2048:latest',
    containerPort: 80,
    replicas: options.replicas ?? 2,
    scheme: 'internet-facing',
    healthCheckPath: '/',
    ...(options.groupName ? { groupName: options.groupName } : {}),
    publishTo: 'sandbox',
  };
}

/** Runs tasks and reads entities through the backend's HTTP API, as `auth()` signs in. */
export function portalClient(server: any, auth: () => string) {
  async function waitForEntity(ref: string) {
    const [kind, rest] = ref.split(':');
    const [namespace, name] = rest.split('/');
    for (let i = 0; i < 240; i++) {
      const res = await request(server)
        .get(`/api/catalog/entities/by-name/${kind}/${namespace}/${name}`)
        .set('Authorization', auth());
      if (res.status === 200) return res.body;
      await new Promise(r => setTimeout(r, 500));
    }
    throw new Error(`${ref} never appeared in the catalog`);
  }

  /** Resolves to the task's log when it completes; rejects with the log when it does not. */
  async function runTask(
    templateName: string,
    values: Record<string, unknown>,
  ): Promise<string> {
    const created = await request(server)
      .post('/api/scaffolder/v2/tasks')
      .set('Authorization', auth())
      .send({ templateRef: `template:default/${templateName}`, values });
    if (created.status !== 201) {
      throw new Error(
        `${templateName} was not created: ${created.status} ${JSON.stringify(
          created.body,
        )}`,
      );
    }
    for (let i = 0; i < 2400; i++) {
      const task = await request(server)
        .get(`/api/scaffolder/v2/tasks/${created.body.id}`)
        .set('Authorization', auth());
      if (['completed', 'failed', 'cancelled'].includes(task.body.status)) {
        const events = await request(server)
          .get(`/api/scaffolder/v2/tasks/${created.body.id}/events`)
          .set('Authorization', auth());
        const log = (events.body as any[])
          .map(e => e.body?.message)
          .filter(Boolean)
          .join('\n');
        if (task.body.status !== 'completed') {
          throw new Error(`${templateName} ended ${task.body.status}:\n${log}`);
        }
        return log;
      }
      await new Promise(r => setTimeout(r, 250));
    }
    throw new Error(`${templateName} did not finish`);
  }

  return { waitForEntity, runTask };
}
