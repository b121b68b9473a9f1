import { stringifyEntityRef, type Entity } from '@backstage/catalog-model';
import { ConflictError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import {
  accountClient,
  AwsActionOptions,
  AwsTemplateAction,
  networkScope,
} from '../lib/action';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  ANNOTATION_EKS_CLUSTER_NAME,
  ANNOTATION_NETWORK_ACCOUNT_ID,
  ANNOTATION_REGION,
  ANNOTATION_WORKLOAD_ACCOUNT_ID,
  EKS_CLUSTER_RESOURCE_TYPE,
} from '@cross-account-alb/plugin-aws-alb-common';
import { z } from 'zod/v3';
import { findControllerResources } from '../lib/controllerResources';
import { accountsMustDiffer, fields, parseInput, Zod } from '../lib/schemas';
import { examples } from './checkClusterName.examples';

export const CHECK_CLUSTER_NAME_ID = 'aws:catalog:check-cluster-name';

export interface CheckClusterNameOptions {
  /** The catalog, read with the credentials of the user who runs the task. */
  catalog: CatalogService;
  /**
   * With AWS clients, a new cluster name is also checked against the network account: load
   * balancers or target groups already tagged with it there belong to a cluster the catalog
   * does not know (or the user cannot see).
   */
  aws?: AwsActionOptions;
}

const inputSchema = (zod: Zod) => {
  const f = fields(zod);
  return zod
    .object({
      networkAccountId: f.networkAccountId(),
      workloadAccountId: f.workloadAccountId(),
      region: f.region(),
      clusterName: f.clusterName(),
    })
    .superRefine(accountsMustDiffer);
};

const outputSchema = (zod: Zod) =>
  zod.object({
    /** The entity of this very cluster (same name, workload account and region), on a re-run. */
    existingEntityRef: zod.string().optional(),
  });

type Input = z.infer<ReturnType<typeof inputSchema>>;

/**
 * `aws:catalog:check-cluster-name`: the first step of template 1. Every cluster of a network
 * account puts its load balancers in that account, and the controller tags them with the
 * cluster name alone (`elbv2.k8s.aws/cluster`), so two clusters of one name would claim each
 * other's load balancers, target groups and security groups there. Refuses a cluster name
 * that a cluster Resource of this network account already carries for another workload
 * account or region, naming that entity; a re-run for the same cluster (same name, workload
 * account and region: EKS names are unique there) passes. A new name is also looked up in the
 * network account (tag:GetResources) when the module gives it AWS clients.
 */
export function createCheckClusterNameAction(
  options: CheckClusterNameOptions,
): AwsTemplateAction {
  return createTemplateAction({
    id: CHECK_CLUSTER_NAME_ID,
    description:
      "Refuses, before anything changes, an EKS cluster name that a cluster Resource (spec.type eks-cluster) of the same network account already uses for another workload account or region, naming that entity: the Load Balancer Controller tags what it makes in the network account with the cluster name alone (elbv2.k8s.aws/cluster), so two clusters of one name would mix. Reads the catalog with the task initiator's rights; a re-run for the same cluster passes. Reads only, so it runs in dry-run too.",
    examples,
    supportsDryRun: true,
    schema: { input: inputSchema, output: outputSchema },
    async handler(ctx) {
      const input: Input = parseInput(
        inputSchema(z),
        ctx.input,
        CHECK_CLUSTER_NAME_ID,
      );
      const { items } = await options.catalog.getEntities(
        {
          filter: {
            kind: 'Resource',
            'spec.type': EKS_CLUSTER_RESOURCE_TYPE,
            [`metadata.annotations.${ANNOTATION_EKS_CLUSTER_NAME}`]:
              input.clusterName,
            [`metadata.annotations.${ANNOTATION_NETWORK_ACCOUNT_ID}`]:
              input.networkAccountId,
          },
        },
        { credentials: await ctx.getInitiatorCredentials() },
      );
      // The catalog compares case-insensitively; cluster names are lower-case already.
      const clusters = items
        .filter(
          e =>
            annotation(e, ANNOTATION_EKS_CLUSTER_NAME) === input.clusterName &&
            annotation(e, ANNOTATION_NETWORK_ACCOUNT_ID) ===
              input.networkAccountId,
        )
        .sort((a, b) =>
          stringifyEntityRef(a).localeCompare(stringifyEntityRef(b)),
        );
      const same = clusters.filter(
        e =>
          annotation(e, ANNOTATION_WORKLOAD_ACCOUNT_ID) ===
            input.workloadAccountId &&
          annotation(e, ANNOTATION_REGION) === input.region,
      );
      const others = clusters.filter(e => !same.includes(e));
      if (others.length) {
        const named = others
          .map(
            e =>
              `${stringifyEntityRef(e)} (workload account ${
                annotation(e, ANNOTATION_WORKLOAD_ACCOUNT_ID) ?? 'unknown'
              }, ${annotation(e, ANNOTATION_REGION) ?? 'unknown region'})`,
          )
          .join(', ');
        throw new ConflictError(
          `Cluster name ${input.clusterName} is already used in network account ${input.networkAccountId} by ${named}. The Load Balancer Controller tags what it creates in the network account with the cluster name alone (elbv2.k8s.aws/cluster=${input.clusterName}), so two clusters of one name would mix their load balancers there: pick another cluster name.`,
        );
      }
      if (same[0]) {
        ctx.logger.info(
          `Cluster ${
            input.clusterName
          } is already registered as ${stringifyEntityRef(
            same[0],
          )} for workload account ${input.workloadAccountId} in ${
            input.region
          }: continuing as a re-run for the same cluster`,
        );
        ctx.output('existingEntityRef', stringifyEntityRef(same[0]));
        return;
      }
      if (options.aws) {
        await refuseNameInUseInAws(options.aws, input);
      }
      ctx.logger.info(
        `No cluster named ${
          input.clusterName
        } is registered for network account ${input.networkAccountId}${
          options.aws
            ? ', and nothing there is tagged elbv2.k8s.aws/cluster with it'
            : ''
        }`,
      );
    },
  });
}

function annotation(entity: Entity, key: string): string | undefined {
  return entity.metadata.annotations?.[key];
}

/**
 * A cluster outside the catalog (another portal, eksctl by hand) may already use the name in
 * the network account: the controller's resources there carry it.
 */
async function refuseNameInUseInAws(options: AwsActionOptions, input: Input) {
  const scope = networkScope(options, input.networkAccountId);
  const tagging = await accountClient(
    options,
    ResourceGroupsTaggingAPIClient,
    { accountId: input.networkAccountId, region: input.region },
    'networkAccountId',
  );
  const arns = (
    await findControllerResources(tagging, scope, input, [
      'elasticloadbalancing:loadbalancer',
      'elasticloadbalancing:targetgroup',
    ])
  ).map(m => m.ResourceARN!);
  if (arns.length) {
    const shown = arns.slice(0, 3).join(', ');
    throw new ConflictError(
      `Cluster name ${input.clusterName} is already used in network account ${
        input.networkAccountId
      } (${input.region}): ${arns.length} load balancer${
        arns.length === 1 ? ' or target group is' : 's and target groups are'
      } tagged elbv2.k8s.aws/cluster=${input.clusterName} there (${shown}${
        arns.length > 3 ? ', …' : ''
      }), made by a Load Balancer Controller of a cluster that no cluster Resource you can see in the catalog accounts for. A second cluster of that name would adopt and delete them: pick another cluster name, or register the existing cluster in the catalog.`,
    );
  }
}
