/*
 * Sandbox stand-in for `eksctl create cluster -f cluster.yaml`: creates the EKS cluster and
 * its managed node group in the workload account (Account-B) through the EKS API, on the
 * subnets Account-A shared with it. Nothing is installed in a cluster: the sandbox has no
 * Kubernetes, only the AWS side eksctl leaves behind.
 */
import {
  CreateClusterCommand,
  CreateNodegroupCommand,
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  EKSClient,
  Cluster,
} from '@aws-sdk/client-eks';
import {
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  CreateRoleCommand,
  GetRoleCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import { InputError } from '@backstage/errors';
import yaml from 'yaml';
import { ACCOUNT_ID_PATTERN, REGION_PATTERN, eksctlClientOptions } from './aws';
import { retryWhileIamPropagates } from './iamPropagation';
import { SandboxAccessEntry, SandboxClusterObjects } from './clusterObjects';
import { SANDBOX_EKSCTL_ROLE_NAME } from '../iam/sandboxPrincipals';
import {
  iamRoleArn,
  isNotFound,
  partitionOf,
} from '@cross-account-alb/plugin-aws-cross-account-node';

/** The parts of an eksctl ClusterConfig the stand-in acts on. */
export interface SandboxClusterSpec {
  clusterName: string;
  region: string;
  /** The shared VPC (Account-A's); checked against the subnets when given. */
  vpcId?: string;
  /**
   * Private subnet IDs. With `subnetAvailabilityZones`, the key each was listed under in
   * the ClusterConfig (an AZ name or ID as Account-B sees it, or a free alias).
   */
  privateSubnetIds: string[];
  subnetKeys?: Record<string, string>;
  version?: string;
  nodeGroup?: {
    name?: string;
    instanceType?: string;
    desiredCapacity?: number;
    minSize?: number;
    maxSize?: number;
  };
  tags?: Record<string, string>;
  /**
   * `accessConfig.accessEntries`: IAM principals given Kubernetes access with EKS access
   * policies (eksctl's ClusterConfig schema, pkg/apis/eksctl.io/v1alpha5 AccessEntry).
   */
  accessEntries?: SandboxAccessEntry[];
}

export interface SandboxClusterResult {
  clusterName: string;
  clusterArn: string;
  issuer: string;
  clusterSecurityGroupId: string;
  vpcId: string;
  nodeGroupName: string;
  /** false when the cluster already existed (idempotent re-run). */
  created: boolean;
}

const NAME_PATTERN = /^[a-zA-Z][a-zA-Z0-9-]{0,99}$/;

/** Reads an eksctl ClusterConfig (eksctl.io/v1alpha5) into the stand-in's spec. */
export function parseEksctlClusterConfig(text: string): SandboxClusterSpec {
  const doc = yaml.parse(text);
  if (!doc || doc.kind !== 'ClusterConfig') {
    throw new InputError('Not an eksctl ClusterConfig (kind: ClusterConfig)');
  }
  const meta = doc.metadata ?? {};
  const privateSubnets: Record<string, { id?: string }> =
    doc.vpc?.subnets?.private ?? {};
  const subnetKeys: Record<string, string> = {};
  for (const [key, value] of Object.entries(privateSubnets)) {
    if (value?.id) subnetKeys[value.id] = key;
  }
  const ng = (doc.managedNodeGroups ?? [])[0];
  const accessEntries: SandboxAccessEntry[] = (
    doc.accessConfig?.accessEntries ?? []
  ).map((e: any) => ({
    principalArn: String(e?.principalARN ?? ''),
    policyArns: (e?.accessPolicies ?? []).map((p: any) =>
      String(p?.policyARN ?? ''),
    ),
  }));
  return {
    accessEntries,
    clusterName: String(meta.name ?? ''),
    region: String(meta.region ?? ''),
    version: meta.version !== undefined ? String(meta.version) : undefined,
    vpcId: doc.vpc?.id,
    privateSubnetIds: Object.keys(subnetKeys),
    subnetKeys,
    tags: meta.tags,
    nodeGroup: ng
      ? {
          name: ng.name,
          instanceType: ng.instanceType,
          desiredCapacity: ng.desiredCapacity,
          minSize: ng.minSize,
          maxSize: ng.maxSize,
        }
      : undefined,
  };
}

function validateSpec(spec: SandboxClusterSpec) {
  if (!NAME_PATTERN.test(spec.clusterName)) {
    throw new InputError(
      `Invalid cluster name "${spec.clusterName}": letters, digits and -, starting with a letter, at most 100`,
    );
  }
  if (!REGION_PATTERN.test(spec.region)) {
    throw new InputError(`Invalid region "${spec.region}"`);
  }
  if (spec.privateSubnetIds.length < 2) {
    throw new InputError(
      'EKS needs subnets in at least two availability zones; give at least two private subnets',
    );
  }
  if (spec.nodeGroup) {
    Object.assign(spec.nodeGroup, managedNodeGroupSizes(spec.nodeGroup));
  }
  for (const entry of spec.accessEntries ?? []) {
    if (
      !/^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/.+$/.test(entry.principalArn)
    ) {
      throw new InputError(
        `accessConfig.accessEntries: principalARN "${entry.principalArn}" is not an IAM role or user ARN`,
      );
    }
    const bad = entry.policyArns.find(
      p =>
        !/^arn:aws[a-z-]*:eks::aws:cluster-access-policy\/[A-Za-z]+$/.test(p),
    );
    if (bad !== undefined) {
      throw new InputError(
        `accessConfig.accessEntries: policyARN "${bad}" of ${entry.principalArn} is not an EKS access policy ARN (arn:aws:eks::aws:cluster-access-policy/<name>)`,
      );
    }
  }
}

/**
 * The node group's sizes as eksctl settles them before any AWS call, refusing those that
 * contradict each other with eksctl's own words (ValidateManagedNodeGroup in
 * pkg/apis/eksctl.io/v1alpha5/validation.go; DefaultNodeCount 2 and DefaultMaxSize 1 in
 * types.go).
 */
export function managedNodeGroupSizes(ng: {
  desiredCapacity?: number;
  minSize?: number;
  maxSize?: number;
}): { desiredCapacity: number; minSize: number; maxSize: number } {
  const desired = ng.desiredCapacity;
  let minSize = ng.minSize;
  if (minSize === undefined) {
    minSize = desired ?? 2;
  } else if (desired !== undefined && desired < minSize) {
    throw new InputError(
      `cannot use --nodes-min=${minSize} and --nodes=${desired} at the same time`,
    );
  }
  let maxSize = ng.maxSize;
  if (maxSize === undefined) {
    maxSize = desired ?? minSize;
    if (maxSize === 0) maxSize = 1;
  } else if (desired !== undefined && desired > maxSize) {
    throw new InputError(
      `cannot use --nodes-max=${maxSize} and --nodes=${desired} at the same time`,
    );
  } else if (maxSize < minSize) {
    throw new InputError(
      `cannot use --nodes-min=${minSize} and --nodes-max=${maxSize} at the same time`,
    );
  }
  return { desiredCapacity: desired ?? minSize, minSize, maxSize };
}

const roleName = (clusterName: string, kind: string) =>
  `eksctl-${clusterName}-${kind}`.slice(0, 64);

async function ensureRole(
  iam: IAMClient,
  name: string,
  service: string,
  tags: Record<string, string>,
): Promise<string> {
  try {
    const { Role } = await iam.send(new GetRoleCommand({ RoleName: name }));
    return Role!.Arn!;
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  const { Role } = await iam.send(
    new CreateRoleCommand({
      RoleName: name,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: service },
            Action: 'sts:AssumeRole',
          },
        ],
      }),
      Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
    }),
  );
  return Role!.Arn!;
}

/**
 * Checks what eksctl checks before creating anything: the workload account sees the VPC and
 * the subnets (that is, they are shared with it), the subnets are in that VPC and in at least
 * two AZs, and an AZ-keyed subnet is in the AZ its key names (eksctl #2910: the keys are the
 * caller's AZ names). Returns the VPC ID.
 */
async function checkNetwork(
  ec2: EC2Client,
  spec: SandboxClusterSpec,
): Promise<string> {
  let subnets;
  try {
    subnets =
      (
        await ec2.send(
          new DescribeSubnetsCommand({ SubnetIds: spec.privateSubnetIds }),
        )
      ).Subnets ?? [];
  } catch (e) {
    throw new InputError(
      `The workload account cannot see the subnets ${spec.privateSubnetIds.join(
        ', ',
      )}; are they shared with it through RAM? (${(e as Error).message})`,
    );
  }
  const vpcIds = new Set(subnets.map(s => s.VpcId));
  if (vpcIds.size !== 1) {
    throw new InputError(
      `The subnets are in more than one VPC: ${[...vpcIds].join(', ')}`,
    );
  }
  const vpcId = [...vpcIds][0]!;
  if (spec.vpcId && spec.vpcId !== vpcId) {
    throw new InputError(
      `The subnets are in ${vpcId}, not in the configured VPC ${spec.vpcId}`,
    );
  }
  await ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }));
  if (new Set(subnets.map(s => s.AvailabilityZoneId)).size < 2) {
    throw new InputError(
      'The subnets must be in at least two availability zones',
    );
  }
  for (const subnet of subnets) {
    const key = spec.subnetKeys?.[subnet.SubnetId!];
    const looksLikeAz =
      key && /^[a-z]{2}-[a-z]+-\d[a-z]$|^[a-z]{3,5}\d?-az\d+$/.test(key);
    if (
      looksLikeAz &&
      key !== subnet.AvailabilityZone &&
      key !== subnet.AvailabilityZoneId
    ) {
      throw new InputError(
        `Subnet ${subnet.SubnetId} is keyed "${key}" but the workload account sees it in ` +
          `${subnet.AvailabilityZone} (${subnet.AvailabilityZoneId}); key it by the workload ` +
          `account's AZ name (eksctl #2910)`,
      );
    }
  }
  return vpcId;
}

function toResult(
  cluster: Cluster,
  nodeGroupName: string,
  created: boolean,
): SandboxClusterResult {
  return {
    clusterName: cluster.name!,
    clusterArn: cluster.arn!,
    issuer: cluster.identity?.oidc?.issuer ?? '',
    clusterSecurityGroupId:
      cluster.resourcesVpcConfig?.clusterSecurityGroupId ?? '',
    vpcId: cluster.resourcesVpcConfig?.vpcId ?? '',
    nodeGroupName,
    created,
  };
}

/**
 * Plays `eksctl create cluster -f cluster.yaml` in the sandbox: the cluster (with its
 * service role) and one managed node group (with its node role) in the workload account, on
 * the shared private subnets. Idempotent: an existing cluster is success, and a missing
 * node group is added.
 */
export async function sandboxEksctlCreateCluster(options: {
  spec: SandboxClusterSpec;
  workloadAccountId: string;
}): Promise<SandboxClusterResult> {
  const { spec, workloadAccountId } = options;
  validateSpec(spec);
  if (!ACCOUNT_ID_PATTERN.test(workloadAccountId)) {
    throw new InputError(`Invalid workload account ID "${workloadAccountId}"`);
  }
  // eksctl runs as a platform engineer of the workload account, not as Backstage.
  const clientOptions = await eksctlClientOptions(
    workloadAccountId,
    spec.region,
  );
  const eks = new EKSClient(clientOptions);
  const ec2 = new EC2Client(clientOptions);
  const iam = new IAMClient(clientOptions);
  const nodeGroupName =
    spec.nodeGroup?.name ?? `${spec.clusterName}-nodes`.slice(0, 63);
  const tags = {
    'alpha.eksctl.io/cluster-name': spec.clusterName,
    'eksctl.cluster.k8s.io/v1alpha1/cluster-name': spec.clusterName,
    'sandbox:stand-in': 'eksctl',
    ...(spec.tags ?? {}),
  };

  let cluster: Cluster | undefined;
  try {
    cluster = (
      await eks.send(new DescribeClusterCommand({ name: spec.clusterName }))
    ).cluster;
  } catch (e) {
    if ((e as Error).name !== 'ResourceNotFoundException') throw e;
  }
  let created = false;
  if (!cluster) {
    await checkNetwork(ec2, spec);
    const clusterRoleArn = await ensureRole(
      iam,
      roleName(spec.clusterName, 'cluster-ServiceRole'),
      'eks.amazonaws.com',
      tags,
    );
    // The service role may be a moment old: EKS answers InvalidParameterException ("could
    // not be assumed") until IAM has propagated it (see iamPropagation.ts).
    cluster = (
      await retryWhileIamPropagates(() =>
        eks.send(
          new CreateClusterCommand({
            name: spec.clusterName,
            version: spec.version,
            roleArn: clusterRoleArn,
            resourcesVpcConfig: {
              subnetIds: spec.privateSubnetIds,
              endpointPrivateAccess: false,
              endpointPublicAccess: true,
            },
            tags,
          }),
        ),
      )
    ).cluster!;
    created = true;
  }

  try {
    await eks.send(
      new DescribeNodegroupCommand({
        clusterName: spec.clusterName,
        nodegroupName: nodeGroupName,
      }),
    );
  } catch (e) {
    if ((e as Error).name !== 'ResourceNotFoundException') throw e;
    const nodeRoleArn = await ensureRole(
      iam,
      roleName(spec.clusterName, 'nodegroup-NodeInstanceRole'),
      'ec2.amazonaws.com',
      tags,
    );
    const ng = spec.nodeGroup ?? {};
    const sizes = managedNodeGroupSizes(ng);
    // Likewise the node role, just created.
    await retryWhileIamPropagates(() =>
      eks.send(
        new CreateNodegroupCommand({
          clusterName: spec.clusterName,
          nodegroupName: nodeGroupName,
          nodeRole: nodeRoleArn,
          // privateNetworking: true: the nodes go on the private subnets only.
          subnets: spec.privateSubnetIds,
          instanceTypes: [ng.instanceType ?? 'm5.large'],
          scalingConfig: {
            desiredSize: sizes.desiredCapacity,
            minSize: sizes.minSize,
            maxSize: sizes.maxSize,
          },
          tags: { ...tags, 'alpha.eksctl.io/nodegroup-name': nodeGroupName },
        }),
      ),
    );
  }
  // Re-read: the issuer and the cluster security group are what later steps need.
  const current = (
    await eks.send(new DescribeClusterCommand({ name: spec.clusterName }))
  ).cluster!;
  // Who may use the cluster's Kubernetes API: its creator (EKS's bootstrap cluster-admin
  // access) and the ClusterConfig's access entries, which eksctl applies when it creates the
  // cluster. Kept with the cluster's objects for the Kubernetes API stand-in
  // (kubeApiServer.ts).
  if (created) {
    SandboxClusterObjects.open({
      workloadAccountId,
      region: spec.region,
      clusterName: spec.clusterName,
      clusterArn: current.arn ?? '',
      createdAt: String(current.createdAt?.valueOf() ?? ''),
    }).setAccess(
      iamRoleArn(
        partitionOf(spec.region),
        workloadAccountId,
        SANDBOX_EKSCTL_ROLE_NAME,
      ),
      spec.accessEntries ?? [],
    );
  }
  return toResult(current ?? cluster, nodeGroupName, created);
}
