/*
 * One-call seeding for tests and the browser test: a cluster in Account-B and an Ingress's
 * ALB in Account-A, made by the stand-ins exactly as the templates' sandbox steps make them.
 */
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
} from '@aws-sdk/client-ec2';
import {
  AttachRolePolicyCommand,
  CreateOpenIDConnectProviderCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import { Route53Client } from '@aws-sdk/client-route-53';
import yaml from 'yaml';
import { sandboxAdminClients } from '../accounts';
import { shippedPolicy } from '../iam/sandboxPrincipals';
import {
  SandboxDnsZone,
  SandboxNetwork,
  sandboxEc2,
  seedSandboxNetwork,
  shareSandboxSubnets,
} from '../seed';
import { SandboxClusterResult, sandboxEksctlCreateCluster } from './eksctl';
import {
  SandboxClusterObjects,
  type SandboxAccessEntry,
} from './clusterObjects';
import { ExternalDnsSyncResult, externalDnsLoop } from './externalDns';
import { ReconcileIngressResult, sandboxReconcileIngress } from './lbc';
import { CONTROLLER_NAMESPACE, CONTROLLER_SERVICE_ACCOUNT } from './aws';
import {
  buildControllerRoleName,
  iamPolicyArn,
  iamRoleArn,
  isAlreadyExists,
  issuerHostPath,
  oidcProviderArn,
  partitionOf,
} from '@cross-account-alb/plugin-aws-cross-account-node';

/**
 * The ALB security group in Account-A's shared VPC (ports 80 and 443 from anywhere, as
 * aws:ec2:ensure-alb-security-group opens an HTTPS application's), idempotent.
 */
export async function ensureSandboxAlbSecurityGroup(
  network: SandboxNetwork,
  name = 'sandbox-alb',
): Promise<string> {
  const ec2 = await sandboxEc2(network.networkAccountId);
  const { SecurityGroups = [] } = await ec2.send(
    new DescribeSecurityGroupsCommand({
      Filters: [
        { Name: 'vpc-id', Values: [network.vpcId] },
        { Name: 'group-name', Values: [name] },
      ],
    }),
  );
  if (SecurityGroups[0]?.GroupId) return SecurityGroups[0].GroupId;
  const { GroupId } = await ec2.send(
    new CreateSecurityGroupCommand({
      GroupName: name,
      Description: 'ALB for EKS pods in the workload account (sandbox)',
      VpcId: network.vpcId,
    }),
  );
  await ec2.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId,
      IpPermissions: [80, 443].map(port => ({
        IpProtocol: 'tcp',
        FromPort: port,
        ToPort: port,
        IpRanges: [{ CidrIp: '0.0.0.0/0' }],
      })),
    }),
  );
  return GroupId!;
}

/** Seeds the network, shares it with Account-B and creates a cluster there (eksctl's part). */
export async function seedSandboxCluster(options: {
  clusterName: string;
  version?: string;
  /** eksctl's `accessConfig.accessEntries`: who else may use the cluster's Kubernetes API. */
  accessEntries?: SandboxAccessEntry[];
}): Promise<SandboxClusterResult & { network: SandboxNetwork }> {
  const network = await seedSandboxNetwork();
  await shareSandboxSubnets(network);
  const result = await sandboxEksctlCreateCluster({
    workloadAccountId: network.workloadAccountId,
    spec: {
      clusterName: options.clusterName,
      region: network.region,
      vpcId: network.vpcId,
      version: options.version ?? '1.33',
      privateSubnetIds: network.privateSubnets.map(s => s.subnetId),
      accessEntries: options.accessEntries,
    },
  });
  return { ...result, network };
}

/**
 * A seeded cluster and the controller's IAM for it in the network account: what templates 1
 * and 2 leave behind, so the controller stand-in can act as its IRSA role.
 */
export async function seedSandboxClusterWithController(options: {
  clusterName: string;
  version?: string;
  accessEntries?: SandboxAccessEntry[];
}): Promise<
  SandboxClusterResult & { network: SandboxNetwork; controllerRoleArn: string }
> {
  const cluster = await seedSandboxCluster(options);
  const controllerRoleArn = await ensureSandboxControllerIam({
    networkAccountId: cluster.network.networkAccountId,
    workloadAccountId: cluster.network.workloadAccountId,
    region: cluster.network.region,
    clusterName: options.clusterName,
    issuer: cluster.issuer,
  });
  return { ...cluster, controllerRoleArn };
}

export interface SeedSandboxAlbOptions {
  clusterName: string;
  namespace: string;
  ingressName: string;
  serviceName?: string;
  replicas?: number;
  containerPort?: number;
  healthCheckPath?: string;
  scheme?: 'internet-facing' | 'internal';
  groupName?: string;
  loadBalancerName?: string;
  /** `alb.ingress.kubernetes.io/tags` of the Ingress and of the Service. */
  tags?: Record<string, string>;
  serviceTags?: Record<string, string>;
  /** Default: the seeded public subnets and the `sandbox-alb` security group. */
  subnetIds?: string[];
  securityGroupIds?: string[];
  /** eksctl's access entries, when this call creates the cluster. */
  accessEntries?: SandboxAccessEntry[];
  /**
   * The `backstage.io/kubernetes-id` label of the app's objects and pods, by which
   * Backstage's Kubernetes plugin finds them for the entity annotated with it.
   */
  kubernetesId?: string;
  /** More Ingress annotations (e.g. the HTTPS ones: listen-ports, certificate-arn…). */
  annotations?: Record<string, string>;
  /** The host of the Ingress's rule (a host-header condition; external-dns's record name). */
  host?: string;
}

/** The Kubernetes manifest (Deployment, Service, Ingress) seedSandboxAlb reconciles. */
export function sandboxAppManifest(
  options: Omit<SeedSandboxAlbOptions, 'clusterName'> & {
    subnetIds: string[];
    securityGroupIds: string[];
  },
): string {
  const service = options.serviceName ?? options.ingressName;
  const port = options.containerPort ?? 80;
  const labels = { 'app.kubernetes.io/name': service };
  const objectLabels = {
    ...labels,
    ...(options.kubernetesId
      ? { 'backstage.io/kubernetes-id': options.kubernetesId }
      : {}),
  };
  const annotations: Record<string, string> = {
    'alb.ingress.kubernetes.io/scheme': options.scheme ?? 'internet-facing',
    'alb.ingress.kubernetes.io/target-type': 'ip',
    'alb.ingress.kubernetes.io/subnets': options.subnetIds.join(','),
    'alb.ingress.kubernetes.io/security-groups':
      options.securityGroupIds.join(','),
    'alb.ingress.kubernetes.io/healthcheck-path':
      options.healthCheckPath ?? '/',
  };
  if (options.groupName)
    annotations['alb.ingress.kubernetes.io/group.name'] = options.groupName;
  if (options.loadBalancerName) {
    annotations['alb.ingress.kubernetes.io/load-balancer-name'] =
      options.loadBalancerName;
  }
  const tagList = (tags: Record<string, string>) =>
    Object.entries(tags)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
  if (options.tags)
    annotations['alb.ingress.kubernetes.io/tags'] = tagList(options.tags);
  Object.assign(annotations, options.annotations);
  const docs = [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: options.namespace },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        namespace: options.namespace,
        name: service,
        labels: objectLabels,
      },
      spec: {
        replicas: options.replicas ?? 2,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels: objectLabels },
          spec: {
            containers: [
              {
                name: service,
                image: 'public.ecr.aws/l6m2t8p7/docker-2048:latest',
                ports: [{ containerPort: port }],
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        namespace: options.namespace,
        name: service,
        labels: objectLabels,
        ...(options.serviceTags
          ? {
              annotations: {
                'alb.ingress.kubernetes.io/tags': tagList(options.serviceTags),
              },
            }
          : {}),
      },
      spec: {
        type: 'ClusterIP',
        selector: labels,
        ports: [{ port: 80, targetPort: port, protocol: 'TCP' }],
      },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        namespace: options.namespace,
        name: options.ingressName,
        labels: objectLabels,
        annotations,
      },
      spec: {
        ingressClassName: 'alb',
        rules: [
          {
            ...(options.host ? { host: options.host } : {}),
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: { service: { name: service, port: { number: 80 } } },
                },
              ],
            },
          },
        ],
      },
    },
  ];
  return docs.map(d => yaml.stringify(d)).join('---\n');
}

/**
 * Seeds an ALB as the controller would make it for a 2048-like app: Account-A's network, the
 * ALB security group, the cluster (eksctl stand-in) and the controller's IAM (as template 2
 * makes it, here as the account's administrator), then the stand-in controller, which calls
 * AWS as that role through IRSA.
 */
export async function seedSandboxAlb(
  options: SeedSandboxAlbOptions,
): Promise<
  ReconcileIngressResult & { network: SandboxNetwork; manifest: string }
> {
  const { network } = await seedSandboxClusterWithController({
    clusterName: options.clusterName,
    accessEntries: options.accessEntries,
  });
  const subnetIds =
    options.subnetIds ?? network.publicSubnets.map(s => s.subnetId);
  const securityGroupIds = options.securityGroupIds ?? [
    await ensureSandboxAlbSecurityGroup(network),
  ];
  const manifest = sandboxAppManifest({
    ...options,
    subnetIds,
    securityGroupIds,
  });
  const result = await sandboxReconcileIngress({
    manifest,
    networkAccountId: network.networkAccountId,
    workloadAccountId: network.workloadAccountId,
    region: network.region,
    clusterName: options.clusterName,
    podSubnetIds: network.privateSubnets.map(s => s.subnetId),
  });
  return { ...result, network, manifest };
}

/**
 * The controller's IAM in the network account for a seeded cluster, made as the account's
 * administrator: the cluster's OIDC provider, the official controller policy and a role
 * trusting `kube-system/aws-load-balancer-controller` of that cluster only. Under
 * `/sandbox/`, apart from what the templates make under `/cross-account-alb/`; the role is
 * named as template 2 names it (cluster and workload account, see buildControllerRoleName)
 * behind `sandbox-`, so clusters of one name in two workload accounts get two roles.
 * Idempotent.
 */
export async function ensureSandboxControllerIam(options: {
  networkAccountId: string;
  workloadAccountId: string;
  region: string;
  clusterName: string;
  issuer: string;
}): Promise<string> {
  const iam = await sandboxAdminClients().client(IAMClient, {
    accountId: options.networkAccountId,
    region: options.region,
  });
  const partition = partitionOf(options.region);
  const hostPath = issuerHostPath(options.issuer);
  const providerArn = oidcProviderArn(
    partition,
    options.networkAccountId,
    options.issuer,
  );
  const ignoreExists = (e: unknown) => {
    if (!isAlreadyExists(e)) throw e;
  };
  await iam
    .send(
      new CreateOpenIDConnectProviderCommand({
        Url: options.issuer,
        ClientIDList: ['sts.amazonaws.com'],
      }),
    )
    .catch(ignoreExists);
  const roleName = buildControllerRoleName(
    options.clusterName,
    options.workloadAccountId,
    'sandbox-',
  );
  const policyName = `sandbox-seeded-${roleName}`.slice(0, 128);
  const policyArn = iamPolicyArn(
    partition,
    options.networkAccountId,
    policyName,
    '/sandbox/',
  );
  await iam
    .send(
      new CreatePolicyCommand({
        PolicyName: policyName,
        Path: '/sandbox/',
        PolicyDocument: JSON.stringify(shippedPolicy('loadBalancerController')),
      }),
    )
    .catch(ignoreExists);
  await iam
    .send(
      new CreateRoleCommand({
        RoleName: roleName,
        Path: '/sandbox/',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Federated: providerArn },
              Action: 'sts:AssumeRoleWithWebIdentity',
              Condition: {
                StringEquals: {
                  [`${hostPath}:sub`]: `system:serviceaccount:${CONTROLLER_NAMESPACE}:${CONTROLLER_SERVICE_ACCOUNT}`,
                  [`${hostPath}:aud`]: 'sts.amazonaws.com',
                },
              },
            },
          ],
        }),
      }),
    )
    .catch(ignoreExists);
  await iam.send(
    new AttachRolePolicyCommand({ RoleName: roleName, PolicyArn: policyArn }),
  );
  return iamRoleArn(partition, options.networkAccountId, roleName, '/sandbox/');
}

/**
 * The records external-dns keeps for the host names of a seeded cluster's Ingresses: one loop
 * of the external-dns stand-in as template 2 configures it (`--source=ingress`,
 * `--domain-filter` and `--zone-id-filter` of the zone, `--aws-zone-type=public`,
 * `--txt-owner-id=<cluster>.<region>.<workload account>` as buildExternalDnsTxtOwnerId makes
 * it), i.e. alias A and AAAA records to the ALB and their TXT ownership records. Seeding runs
 * it with the DNS account administrator's Route 53 client; in a cluster set up by template 2
 * it runs with its own IRSA role (sandbox:external-dns:sync).
 */
export async function seedSandboxHostRecords(options: {
  clusterName: string;
  workloadAccountId: string;
  region: string;
  zone: SandboxDnsZone;
}): Promise<ExternalDnsSyncResult['changes']> {
  const { store } = await SandboxClusterObjects.ofCluster(options);
  const route53 = await sandboxAdminClients().client(Route53Client, {
    accountId: options.zone.accountId,
    region: options.region,
  });
  return externalDnsLoop(route53, store.list(), {
    deployment: 'external-dns/external-dns',
    namespace: 'external-dns',
    serviceAccountName: 'external-dns',
    roleArn: '',
    sources: ['ingress'],
    domainFilters: [options.zone.zoneName],
    zoneIdFilters: [options.zone.hostedZoneId],
    zoneType: 'public',
    ownerId: `${options.clusterName}.${options.region}.${options.workloadAccountId}`,
    policy: 'sync',
    evaluateTargetHealth: true,
  });
}
