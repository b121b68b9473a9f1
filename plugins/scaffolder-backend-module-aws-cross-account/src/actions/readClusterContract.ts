import {
  parseEntityRef,
  stringifyEntityRef,
  type Entity,
} from '@backstage/catalog-model';
import { InputError, NotFoundError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { AwsTemplateAction } from '../lib/action';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  ANNOTATION_ALB_SUBNET_IDS,
  ANNOTATION_CONTROLLER_ROLE_ARN,
  ANNOTATION_EKS_CLUSTER_NAME,
  ANNOTATION_NETWORK_ACCOUNT_ID,
  ANNOTATION_NODE_SUBNET_IDS,
  ANNOTATION_REGION,
  ANNOTATION_RESOURCE_SHARE_ARN,
  ANNOTATION_VPC_ID,
  ANNOTATION_WORKLOAD_ACCOUNT_ID,
  EKS_CLUSTER_RESOURCE_TYPE,
} from '@cross-account-alb/plugin-aws-alb-common';
import { z } from 'zod/v3';
import {
  buildApplicationAlbSecurityGroupName,
  buildIngressGroupAlbSecurityGroupName,
  buildControllerRoleName,
} from '../lib/builders';
import { fields, parseInput, Zod } from '../lib/schemas';
import { examples } from './readClusterContract.examples';

export const READ_CLUSTER_CONTRACT_ID = 'aws:catalog:read-cluster';

export interface ReadClusterContractOptions {
  /** The catalog, read with the credentials of the user who runs the task. */
  catalog: CatalogService;
}

/**
 * What a template reads the cluster for. Cluster owners may read it for an application; a
 * template that then changes the network account's IAM or removes the cluster's set-up says
 * so, and the permission policy refuses this first step to whoever may not run the rest.
 */
export const READ_CLUSTER_PURPOSES = [
  'application',
  'load-balancer-controller',
  'teardown',
] as const;

/** The controller's group.name (pkg/annotations, validated like a DNS-1123 subdomain part). */
const INGRESS_GROUP_PATTERN = /^([a-z0-9][-a-z0-9.]{0,61}[a-z0-9]|[a-z0-9])$/;

const inputSchema = (zod: Zod) =>
  zod.object({
    entityRef: zod
      .string()
      .min(1)
      .describe(
        'The cluster Resource (spec.type eks-cluster) that template 1 registered, e.g. resource:default/shop-prod',
      ),
    purpose: zod
      .enum(READ_CLUSTER_PURPOSES)
      .optional()
      .describe(
        "What the template reads the cluster for (default application). The permission policy checks it: a cluster's owners may read it for an application; the controller and teardown templates say theirs, so someone who may not run them is refused at this step, before any AWS call",
      ),
    applicationName: optionalName(
      zod,
      'The application (Deployment, Service, Ingress); with applicationNamespace, the output also names its ALB security group',
    ),
    applicationNamespace: optionalName(zod, "The application's namespace"),
    ingressGroup: zod
      .string()
      .regex(
        INGRESS_GROUP_PATTERN,
        'an Ingress group name: lower-case letters, digits, - and ., at most 63 characters, starting and ending with a letter or digit',
      )
      .or(zod.literal(''))
      .optional()
      .describe(
        "The application's Ingress group (alb.ingress.kubernetes.io/group.name), if any: the applications of a group share one ALB and so one ALB security group, which albSecurityGroupName then names",
      ),
  });

/** A Kubernetes name or nothing: the teardown form leaves the application empty. */
function optionalName(zod: Zod, description: string) {
  return fields(zod).kubernetesName(description).or(zod.literal('')).optional();
}

const outputSchema = (zod: Zod) =>
  zod.object({
    entityRef: zod.string(),
    entityName: zod.string(),
    owner: zod.string().optional(),
    networkAccountId: zod.string(),
    workloadAccountId: zod.string(),
    region: zod.string(),
    clusterName: zod.string(),
    vpcId: zod.string(),
    albSubnetIds: zod.array(zod.string()),
    albSubnetIdsCsv: zod.string(),
    nodeSubnetIds: zod.array(zod.string()),
    resourceShareArn: zod.string().optional(),
    controllerRoleArn: zod.string().optional(),
    controllerRoleName: zod.string(),
    albSecurityGroupName: zod.string().optional(),
  });

type Input = z.infer<ReturnType<typeof inputSchema>>;

const RESOURCE_SHARE_ARN =
  /^arn:(aws|aws-cn|aws-us-gov):ram:[a-z0-9-]+:[0-9]{12}:resource-share\/[0-9a-f-]{36}$/;
const IAM_ROLE_ARN =
  /^arn:(aws|aws-cn|aws-us-gov):iam::[0-9]{12}:role\/[\w+=,.@/-]{1,512}$/;

/**
 * The annotations of a cluster Resource, checked with the same field formats as the forms'
 * values: whoever registered the entity, nothing it holds reaches AWS or a rendered file
 * unchecked.
 */
const annotationsSchema = (zod: Zod) => {
  const f = fields(zod);
  const idList = (what: string) =>
    zod
      .string()
      .transform(v => v.split(',').map(s => s.trim()))
      .pipe(zod.array(f.subnetId()).min(1, `expected at least one ${what}`));
  return zod
    .object({
      [ANNOTATION_NETWORK_ACCOUNT_ID]: f.networkAccountId(),
      [ANNOTATION_WORKLOAD_ACCOUNT_ID]: f.workloadAccountId(),
      [ANNOTATION_REGION]: f.region(),
      [ANNOTATION_EKS_CLUSTER_NAME]: f.clusterName(),
      [ANNOTATION_VPC_ID]: f.vpcId(),
      [ANNOTATION_ALB_SUBNET_IDS]: idList('ALB subnet ID'),
      [ANNOTATION_NODE_SUBNET_IDS]: idList('node subnet ID').optional(),
      [ANNOTATION_RESOURCE_SHARE_ARN]: zod
        .string()
        .regex(
          RESOURCE_SHARE_ARN,
          'expected a RAM resource share ARN (arn:aws:ram:<region>:<account>:resource-share/<uuid>)',
        )
        .optional(),
      [ANNOTATION_CONTROLLER_ROLE_ARN]: zod
        .string()
        .regex(
          IAM_ROLE_ARN,
          'expected an IAM role ARN (arn:aws:iam::<account>:role/<name>)',
        )
        .optional(),
    })
    .superRefine((value, ctx) => {
      if (
        value[ANNOTATION_NETWORK_ACCOUNT_ID] ===
        value[ANNOTATION_WORKLOAD_ACCOUNT_ID]
      ) {
        ctx.addIssue({
          code: 'custom',
          path: [ANNOTATION_WORKLOAD_ACCOUNT_ID],
          message: `expected an account different from ${ANNOTATION_NETWORK_ACCOUNT_ID}: the workload and network accounts must differ`,
        });
      }
    });
};

/** Checks what makes an entity a cluster this project registered, naming what to fix. */
function assertClusterResource(entity: Entity, ref: string): void {
  const type = (entity.spec as { type?: unknown } | undefined)?.type;
  if (entity.kind !== 'Resource' || type !== EKS_CLUSTER_RESOURCE_TYPE) {
    throw new InputError(
      `${ref} is a ${entity.kind}${
        typeof type === 'string' ? ` of type ${type}` : ''
      }, not a Resource of spec.type ${EKS_CLUSTER_RESOURCE_TYPE}: pick a cluster registered by template 1`,
    );
  }
}

/** The checked contract of a cluster entity, or an error naming each bad annotation. */
export function readClusterContract(entity: Entity) {
  const ref = stringifyEntityRef(entity);
  assertClusterResource(entity, ref);
  const result = annotationsSchema(z).safeParse(
    entity.metadata.annotations ?? {},
  );
  if (!result.success) {
    const problems = result.error.issues.map(issue => {
      const annotation = String(issue.path[0] ?? '(annotations)');
      const raw = entity.metadata.annotations?.[annotation];
      const shown =
        raw === undefined
          ? 'missing'
          : `got ${JSON.stringify(
              raw.length > 80 ? `${raw.slice(0, 80)}…` : raw,
            )}`;
      return `annotation ${annotation}: ${issue.message} (${shown})`;
    });
    throw new InputError(
      `The cluster entity ${ref} is not one this project can use: ${problems.join(
        '; ',
      )}. Fix its catalog-info.yaml (as template 1 writes it) and refresh the entity.`,
    );
  }
  const a = result.data;
  return {
    entityRef: ref,
    entityName: entity.metadata.name,
    owner: ownerOf(entity),
    networkAccountId: a[ANNOTATION_NETWORK_ACCOUNT_ID],
    workloadAccountId: a[ANNOTATION_WORKLOAD_ACCOUNT_ID],
    region: a[ANNOTATION_REGION],
    clusterName: a[ANNOTATION_EKS_CLUSTER_NAME],
    vpcId: a[ANNOTATION_VPC_ID],
    albSubnetIds: a[ANNOTATION_ALB_SUBNET_IDS],
    nodeSubnetIds: a[ANNOTATION_NODE_SUBNET_IDS] ?? [],
    resourceShareArn: a[ANNOTATION_RESOURCE_SHARE_ARN],
    controllerRoleArn: a[ANNOTATION_CONTROLLER_ROLE_ARN],
  };
}

/**
 * `aws:catalog:read-cluster`: reads the cluster Resource that template 1 registered and
 * outputs its IDs, checked like form input, plus the names this project's builders make for
 * it. The other templates read the cluster only through this action, so the contract between
 * template 1 and the rest lives in one place.
 */
export function createReadClusterContractAction(
  options: ReadClusterContractOptions,
): AwsTemplateAction {
  return createTemplateAction({
    id: READ_CLUSTER_CONTRACT_ID,
    description:
      "Reads a cluster Resource (spec.type eks-cluster) from the catalog with the task initiator's rights, checks its annotations like form input (account IDs, region, cluster name, VPC and subnet IDs) and outputs them typed, with the names this project gives the controller's role and the application's ALB security group. Reads only, so it runs in dry-run too.",
    examples,
    supportsDryRun: true,
    schema: { input: inputSchema, output: outputSchema },
    async handler(ctx) {
      const input: Input = parseInput(
        inputSchema(z),
        ctx.input,
        READ_CLUSTER_CONTRACT_ID,
      );
      const ref = normaliseRef(input.entityRef);
      const entity = await options.catalog.getEntityByRef(ref, {
        credentials: await ctx.getInitiatorCredentials(),
      });
      if (!entity) {
        throw new NotFoundError(
          `The cluster entity ${ref} is not in the catalog (or you may not read it). Register the cluster with template 1 first.`,
        );
      }
      const contract = readClusterContract(entity);
      ctx.output('entityRef', contract.entityRef);
      ctx.output('entityName', contract.entityName);
      if (contract.owner) ctx.output('owner', contract.owner);
      ctx.output('networkAccountId', contract.networkAccountId);
      ctx.output('workloadAccountId', contract.workloadAccountId);
      ctx.output('region', contract.region);
      ctx.output('clusterName', contract.clusterName);
      ctx.output('vpcId', contract.vpcId);
      ctx.output('albSubnetIds', contract.albSubnetIds);
      ctx.output('nodeSubnetIds', contract.nodeSubnetIds);
      if (contract.resourceShareArn) {
        ctx.output('resourceShareArn', contract.resourceShareArn);
      }
      if (contract.controllerRoleArn) {
        ctx.output('controllerRoleArn', contract.controllerRoleArn);
      }
      ctx.output('albSubnetIdsCsv', contract.albSubnetIds.join(','));
      ctx.output(
        'controllerRoleName',
        buildControllerRoleName(
          contract.clusterName,
          contract.workloadAccountId,
        ),
      );
      if (input.ingressGroup) {
        ctx.output(
          'albSecurityGroupName',
          buildIngressGroupAlbSecurityGroupName({
            clusterEntityName: contract.entityName,
            groupName: input.ingressGroup,
          }),
        );
      } else if (input.applicationName && input.applicationNamespace) {
        ctx.output(
          'albSecurityGroupName',
          buildApplicationAlbSecurityGroupName({
            clusterEntityName: contract.entityName,
            namespace: input.applicationNamespace,
            name: input.applicationName,
          }),
        );
      }
      ctx.logger.info(
        `Cluster ${contract.clusterName} (${ref}), read for ${
          input.purpose ?? 'application'
        }: network account ${contract.networkAccountId}, workload account ${
          contract.workloadAccountId
        }, ${contract.region}, ${contract.vpcId}`,
      );
    },
  });
}

function ownerOf(entity: Entity): string | undefined {
  const owner = (entity.spec as { owner?: unknown } | undefined)?.owner;
  return typeof owner === 'string' ? owner : undefined;
}

function normaliseRef(entityRef: string): string {
  try {
    return stringifyEntityRef(
      parseEntityRef(entityRef, { defaultKind: 'resource' }),
    );
  } catch (error) {
    throw new InputError(
      `Invalid input to ${READ_CLUSTER_CONTRACT_ID}: entityRef: expected an entity reference such as resource:default/shop-prod (${
        (error as Error).message
      })`,
    );
  }
}
