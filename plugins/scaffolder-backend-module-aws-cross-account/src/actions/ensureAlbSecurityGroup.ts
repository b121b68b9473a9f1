import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeVpcsCommand,
  EC2Client,
  IpPermission,
  SecurityGroup,
} from '@aws-sdk/client-ec2';
import { ConflictError, InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { z } from 'zod/v3';
import {
  AwsActionOptions,
  call,
  digest,
  mutate,
  networkScope,
  ScopeBase,
  AwsTemplateAction,
} from '../lib/action';
import {
  buildAlbSecurityGroupName,
  isManaged,
  managedTags,
} from '../lib/builders';
import { findSecurityGroupByName } from '../lib/lookups';
import { fields, parseInput, Zod } from '../lib/schemas';
import { examples } from './ensureAlbSecurityGroup.examples';
import {
  isAlreadyExists,
  sdkErrorOf,
  securityGroupArn,
  unlessAwsError,
} from '@cross-account-alb/plugin-aws-cross-account-node';

export const ENSURE_ALB_SECURITY_GROUP_ID = 'aws:ec2:ensure-alb-security-group';

const CIDR =
  /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(3[0-2]|[12]?\d)$/;

const inputSchema = (zod: Zod) => {
  const f = fields(zod);
  return zod.object({
    networkAccountId: f.networkAccountId(),
    region: f.region(),
    vpcId: f.vpcId(),
    clusterVpcId: f
      .vpcId()
      .optional()
      .describe(
        'The VPC the cluster runs in (vpcId of aws:eks:describe-cluster); when given, vpcId must be it',
      ),
    clusterName: f.clusterName(),
    groupName: f
      .securityGroupName()
      .optional()
      .describe('Defaults to <clusterName>-alb'),
    ingressGroup: zod
      .string()
      .regex(
        /^([a-z0-9][-a-z0-9.]{0,61}[a-z0-9]|[a-z0-9])$/,
        'an Ingress group name: lower-case letters, digits, - and ., at most 63 characters',
      )
      .or(zod.literal(''))
      .optional()
      .describe(
        'The Ingress group whose ALB this group serves (its applications share it); the group is tagged with it and with the scheme, and a member asking for another scheme is refused',
      ),
    scheme: zod
      .enum(['internet-facing', 'internal'])
      .default('internet-facing')
      .describe('The ALB scheme; decides the default source CIDR'),
    listenerPorts: zod
      .array(f.port())
      .min(1, 'expected at least one listener port')
      .default([80])
      .describe('Ports the ALB listens on'),
    ingressCidrs: zod
      .array(
        zod
          .string()
          .regex(CIDR, 'expected an IPv4 CIDR such as 203.0.113.0/24'),
      )
      .min(1)
      .optional()
      .describe(
        'Sources allowed to reach the listeners; default 0.0.0.0/0 when internet-facing, the VPC CIDR when internal',
      ),
  });
};

const outputSchema = (zod: Zod) =>
  zod.object({
    securityGroupId: zod.string(),
    securityGroupArn: zod.string(),
    groupName: zod.string(),
    ingressCidrs: zod.array(zod.string()),
    listenerPorts: zod.array(zod.number()),
    created: zod.boolean(),
    dryRun: zod.boolean().optional(),
  });

type Input = z.infer<ReturnType<typeof inputSchema>>;

/** The (port, CIDR) pairs the group lacks. */
export function missingIngress(
  existing: IpPermission[],
  ports: number[],
  cidrs: string[],
): Array<{ port: number; cidr: string }> {
  const missing: Array<{ port: number; cidr: string }> = [];
  for (const port of ports) {
    for (const cidr of cidrs) {
      const covered = existing.some(
        p =>
          (p.IpProtocol === '-1' ||
            (p.IpProtocol === 'tcp' &&
              (p.FromPort ?? 0) <= port &&
              (p.ToPort ?? 65535) >= port)) &&
          (p.IpRanges ?? []).some(r => r.CidrIp === cidr),
      );
      if (!covered) missing.push({ port, cidr });
    }
  }
  return missing;
}

/** Tag keys on the ALB security group: the ALB's scheme and the Ingress group it serves. */
export const ALB_SCHEME_TAG_KEY = 'cross-account-alb:alb-scheme';
export const INGRESS_GROUP_TAG_KEY = 'cross-account-alb:ingress-group';

/**
 * The applications of an Ingress group share one ALB, so one scheme: the controller refuses
 * a group whose Ingresses disagree ("conflicting scheme"). Refused here, before anything
 * changes, naming the scheme the group has.
 */
function checkScheme(
  group: SecurityGroup | undefined,
  scheme: string,
  ingressGroup: string | undefined,
) {
  const have = group?.Tags?.find(t => t.Key === ALB_SCHEME_TAG_KEY)?.Value;
  if (!group || !have || have === scheme) return;
  throw new ConflictError(
    `scheme: ${scheme} differs from the ${have} ALB that security group ${
      group.GroupId
    } (${group.GroupName}) serves${
      ingressGroup ? ` for Ingress group ${ingressGroup}` : ''
    }. The Ingresses of a group share one ALB and the Load Balancer Controller refuses a group whose schemes differ ("conflicting scheme"): choose ${have}, or another Ingress group.`,
  );
}

export function createEnsureAlbSecurityGroupAction(
  options: AwsActionOptions,
): AwsTemplateAction {
  return createTemplateAction({
    id: ENSURE_ALB_SECURITY_GROUP_ID,
    description:
      'Ensures a security group for the ALB in the shared VPC, owned by the network account (Account-A), open on the listener ports to the given CIDRs. The controller cannot create one in a VPC it does not own (LBC #865, #901), so the Ingress names this group.',
    examples,
    supportsDryRun: true,
    schema: { input: inputSchema, output: outputSchema },
    async handler(ctx) {
      const input: Input = parseInput(
        inputSchema(z),
        ctx.input,
        ENSURE_ALB_SECURITY_GROUP_ID,
      );
      // The ALB reaches the pods by security-group reference, which works only inside one
      // VPC: a group in another VPC than the cluster's would be created and never work.
      // (vpc-00000000 is describe-cluster's dry-run placeholder for a cluster not made yet.)
      if (
        input.clusterVpcId &&
        input.clusterVpcId !== input.vpcId &&
        !(ctx.isDryRun && input.clusterVpcId === 'vpc-00000000')
      ) {
        throw new InputError(
          `vpcId: ${input.vpcId} is not the VPC cluster ${input.clusterName} runs in (clusterVpcId ${input.clusterVpcId}, as EKS reports it). The ALB security group must be in the shared VPC of the cluster: use ${input.clusterVpcId} as vpcId (in the templates it comes from the cluster entity's cross-account-alb.io/vpc-id annotation; fix that annotation).`,
        );
      }
      const groupName =
        input.groupName ?? buildAlbSecurityGroupName(input.clusterName);
      const ports = [...new Set(input.listenerPorts)];

      if (ctx.isDryRun) {
        const cidrs =
          input.ingressCidrs ??
          (input.scheme === 'internet-facing'
            ? ['0.0.0.0/0']
            : ['10.0.0.0/16']);
        ctx.logger.info(
          `Dry run: would ensure security group ${groupName} in ${
            input.vpcId
          } (network account ${input.networkAccountId}) open on ${ports.join(
            ', ',
          )} to ${cidrs.join(', ')}`,
        );
        ctx.output('securityGroupId', 'sg-00000000');
        ctx.output(
          'securityGroupArn',
          securityGroupArn(input.region, input.networkAccountId, 'sg-00000000'),
        );
        ctx.output('groupName', groupName);
        ctx.output('ingressCidrs', cidrs);
        ctx.output('listenerPorts', ports);
        ctx.output('created', false);
        ctx.output('dryRun', true);
        return;
      }

      const scope = networkScope(options, input.networkAccountId);
      const ec2 = await options.clients.client(EC2Client, {
        accountId: input.networkAccountId,
        region: input.region,
      });
      const vpcs = await call(scope, 'ec2:DescribeVpcs', () =>
        ec2.send(new DescribeVpcsCommand({ VpcIds: [input.vpcId] })),
      );
      const vpc = vpcs.Vpcs?.[0];
      if (!vpc) {
        throw new InputError(
          `vpcId: ${input.vpcId} was not found in network account ${input.networkAccountId} (${input.region})`,
        );
      }
      if (vpc.OwnerId && vpc.OwnerId !== input.networkAccountId) {
        throw new InputError(
          `vpcId: ${input.vpcId} is owned by ${vpc.OwnerId}; the ALB security group belongs in a VPC of the network account ${input.networkAccountId}`,
        );
      }
      const cidrs =
        input.ingressCidrs ??
        (input.scheme === 'internet-facing' ? ['0.0.0.0/0'] : [vpc.CidrBlock!]);

      let existing = await findOwnGroup(ec2, scope, input.vpcId, groupName);
      checkScheme(existing, input.scheme, input.ingressGroup);
      let groupId = existing?.GroupId;
      let created = !groupId;
      if (!groupId) {
        groupId = await mutate(
          ctx,
          options,
          {
            key: `ec2.sg.${input.networkAccountId}.${input.region}.${input.vpcId}.${groupName}.create`,
            scope,
            action: 'ec2:CreateSecurityGroup',
            resourceArn: id =>
              securityGroupArn(input.region, input.networkAccountId, id),
          },
          async () => {
            const response = await ec2.send(
              new CreateSecurityGroupCommand({
                GroupName: groupName,
                Description: `ALB of EKS cluster ${input.clusterName} (managed by Backstage)`,
                VpcId: input.vpcId,
                TagSpecifications: [
                  {
                    ResourceType: 'security-group',
                    Tags: managedTags({
                      Name: groupName,
                      'elbv2.k8s.aws/cluster': input.clusterName,
                      [ALB_SCHEME_TAG_KEY]: input.scheme,
                      ...(input.ingressGroup
                        ? { [INGRESS_GROUP_TAG_KEY]: input.ingressGroup }
                        : {}),
                    }),
                  },
                ],
              }),
            );
            return response.GroupId!;
          },
        ).catch(async error => {
          if (!isAlreadyExists(sdkErrorOf(error))) throw error;
          existing = await findOwnGroup(ec2, scope, input.vpcId, groupName);
          if (!existing?.GroupId) throw error;
          checkScheme(existing, input.scheme, input.ingressGroup);
          created = false;
          ctx.logger.info(
            `Security group ${groupName} already exists in ${input.vpcId} (made by an earlier attempt whose answer was lost, or by another run): checking it instead`,
          );
          return existing.GroupId;
        });
        if (created) {
          ctx.logger.info(
            `Created security group ${groupId} (${groupName}) in ${input.vpcId}`,
          );
        }
      }
      const arn = securityGroupArn(
        input.region,
        input.networkAccountId,
        groupId,
      );
      const missing = missingIngress(
        existing?.IpPermissions ?? [],
        ports,
        cidrs,
      );
      if (missing.length) {
        await mutate(
          ctx,
          options,
          {
            key: `ec2.sg.${groupId}.ingress.${digest(missing)}`,
            scope,
            action: 'ec2:AuthorizeSecurityGroupIngress',
            resourceArn: arn,
          },
          async () => {
            // After a resume the lookup may lag behind the checkpoint; a rule that is
            // already there is the state we want.
            await unlessAwsError(
              ['InvalidPermission.Duplicate'],
              ec2.send(
                new AuthorizeSecurityGroupIngressCommand({
                  GroupId: groupId,
                  IpPermissions: [...new Set(missing.map(m => m.port))].map(
                    port => ({
                      IpProtocol: 'tcp',
                      FromPort: port,
                      ToPort: port,
                      IpRanges: missing
                        .filter(m => m.port === port)
                        .map(m => ({
                          CidrIp: m.cidr,
                          Description: `ALB listener ${port}`,
                        })),
                    }),
                  ),
                }),
              ),
            );
            return true;
          },
        );
        ctx.logger.info(
          `Opened ${missing
            .map(m => `${m.port} from ${m.cidr}`)
            .join(', ')} on ${groupId}`,
        );
      } else {
        ctx.logger.info(
          `Security group ${groupId} already has every listener rule`,
        );
      }
      ctx.output('securityGroupId', groupId);
      ctx.output('securityGroupArn', arn);
      ctx.output('groupName', groupName);
      ctx.output('ingressCidrs', cidrs);
      ctx.output('listenerPorts', ports);
      ctx.output('created', created);
    },
  });
}

/** The group of that name in the VPC, if any; refuses one the project did not create. */
async function findOwnGroup(
  ec2: EC2Client,
  scope: ScopeBase,
  vpcId: string,
  groupName: string,
): Promise<SecurityGroup | undefined> {
  const group = await findSecurityGroupByName(ec2, scope, vpcId, groupName);
  if (group && !isManaged(group.Tags)) {
    throw new ConflictError(
      `Security group ${group.GroupId} named ${groupName} already exists in ${vpcId} but was not created by this project (no cross-account-alb:managed-by tag). Pass another groupName, or tag it to adopt it.`,
    );
  }
  return group;
}
