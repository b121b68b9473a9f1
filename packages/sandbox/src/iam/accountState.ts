import { ACMClient, ListTagsForCertificateCommand } from '@aws-sdk/client-acm';
import {
  DescribeSecurityGroupsCommand,
  DescribeTagsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  DescribeTagsCommand as DescribeElbTagsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  GetOpenIDConnectProviderCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserPolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListRolePoliciesCommand,
  ListUserPoliciesCommand,
} from '@aws-sdk/client-iam';
import { GetResourceSharesCommand, RAMClient } from '@aws-sdk/client-ram';
import { adminClientOptions } from './admin';
import { isNotFound } from '@cross-account-alb/plugin-aws-cross-account-node';

/** An IAM policy document. */
export type PolicyDocument = { Version?: string; Statement: unknown };

export interface NamedPolicy {
  name: string;
  policy: PolicyDocument;
}

/** What the gateway knows of an existing resource: its tags, owner and (security group) VPC. */
export interface ResourceFacts {
  tags: Record<string, string>;
  ownerId?: string;
  vpcId?: string;
  /** IAM: the resource's ARN with its path. */
  arn?: string;
}

/** A promise kept per key; forgotten when it fails, so the next call tries again. */
function remember<T>(
  cache: Map<string, Promise<T>>,
  key: string,
  make: () => Promise<T>,
): Promise<T> {
  let found = cache.get(key);
  if (!found) {
    found = make();
    found.catch(() => cache.delete(key));
    cache.set(key, found);
  }
  return found;
}

/** IAM returns policy documents URL-encoded; moto sometimes does not. */
export function parsePolicyDocument(document: string): PolicyDocument {
  const text = document.trim().startsWith('%')
    ? decodeURIComponent(document)
    : document;
  return JSON.parse(text);
}

/**
 * The gateway's own view of the sandbox accounts' state, read straight from moto (not through
 * the gateway) as each account's administrator: the policies of a principal, a role's trust
 * policy, a resource's tags. Cached until an IAM change passes through the gateway.
 */
export class AccountState {
  private readonly clients = new Map<string, Promise<AdminClients>>();
  private policies = new Map<string, Promise<NamedPolicy[]>>();

  constructor(
    private readonly motoEndpoint: string,
    private readonly region: string,
  ) {}

  /** Forgets cached policies, after an IAM change. */
  invalidate(): void {
    this.policies = new Map();
  }

  private admin(accountId: string): Promise<AdminClients> {
    return remember(this.clients, accountId, async () => {
      // Straight to moto, never through the gateway.
      const options = await adminClientOptions(
        this.motoEndpoint,
        this.region,
        accountId,
        'sandbox-iam-gateway',
      );
      return {
        iam: new IAMClient(options),
        ec2: new EC2Client(options),
        elbv2: new ElasticLoadBalancingV2Client(options),
        ram: new RAMClient(options),
      };
    });
  }

  /** The identity policies of a role or user (`arn:aws:iam::<acct>:role/<path/name>`). */
  identityPolicies(principalArn: string): Promise<NamedPolicy[]> {
    return remember(this.policies, principalArn, () =>
      this.readIdentityPolicies(principalArn),
    );
  }

  private async readIdentityPolicies(
    principalArn: string,
  ): Promise<NamedPolicy[]> {
    const m = /^arn:[^:]+:iam::(\d{12}):(role|user)\/(?:.*\/)?([^/]+)$/.exec(
      principalArn,
    );
    if (!m) return [];
    const [, accountId, kind, name] = m;
    const { iam } = await this.admin(accountId);
    // The same three reads, for a role or a user.
    const reads =
      kind === 'role'
        ? {
            attached: () =>
              iam.send(new ListAttachedRolePoliciesCommand({ RoleName: name })),
            inlineNames: () =>
              iam.send(new ListRolePoliciesCommand({ RoleName: name })),
            inline: (PolicyName: string) =>
              iam.send(
                new GetRolePolicyCommand({ RoleName: name, PolicyName }),
              ),
          }
        : {
            attached: () =>
              iam.send(new ListAttachedUserPoliciesCommand({ UserName: name })),
            inlineNames: () =>
              iam.send(new ListUserPoliciesCommand({ UserName: name })),
            inline: (PolicyName: string) =>
              iam.send(
                new GetUserPolicyCommand({ UserName: name, PolicyName }),
              ),
          };
    const out: NamedPolicy[] = [];
    try {
      for (const p of (await reads.attached()).AttachedPolicies ?? []) {
        const { Policy } = await iam.send(
          new GetPolicyCommand({ PolicyArn: p.PolicyArn }),
        );
        const { PolicyVersion } = await iam.send(
          new GetPolicyVersionCommand({
            PolicyArn: p.PolicyArn,
            VersionId: Policy!.DefaultVersionId,
          }),
        );
        out.push({
          name: p.PolicyArn!,
          policy: parsePolicyDocument(PolicyVersion!.Document!),
        });
      }
      for (const policyName of (await reads.inlineNames()).PolicyNames ?? []) {
        const { PolicyDocument } = await reads.inline(policyName);
        out.push({
          name: policyName,
          policy: parsePolicyDocument(PolicyDocument!),
        });
      }
    } catch (e) {
      if (isNotFound(e)) return [];
      throw e;
    }
    return out;
  }

  /** A role's ARN (with its path) and trust policy, or undefined when it does not exist. */
  async role(
    accountId: string,
    roleName: string,
  ): Promise<{ arn: string; trust: PolicyDocument } | undefined> {
    const { iam } = await this.admin(accountId);
    try {
      const { Role } = await iam.send(
        new GetRoleCommand({ RoleName: roleName }),
      );
      return {
        arn: Role!.Arn!,
        trust: parsePolicyDocument(Role!.AssumeRolePolicyDocument ?? '{}'),
      };
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  /** An OIDC provider's client IDs, or undefined when the account has none for that URL. */
  async oidcProviderClientIds(arn: string): Promise<string[] | undefined> {
    const accountId = arn.split(':')[4];
    const { iam } = await this.admin(accountId);
    try {
      const res = await iam.send(
        new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }),
      );
      return res.ClientIDList ?? [];
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  /** Tags and ownership of an EC2 resource, as seen by the resource's owner. */
  async ec2Facts(
    accountIds: string[],
    id: string,
  ): Promise<ResourceFacts | undefined> {
    for (const accountId of accountIds) {
      const { ec2 } = await this.admin(accountId);
      if (id.startsWith('sg-')) {
        try {
          const { SecurityGroups } = await ec2.send(
            new DescribeSecurityGroupsCommand({ GroupIds: [id] }),
          );
          const g = SecurityGroups?.[0];
          if (g && g.OwnerId === accountId) {
            return {
              tags: Object.fromEntries(
                (g.Tags ?? []).map(t => [t.Key!, t.Value ?? '']),
              ),
              ownerId: g.OwnerId,
              vpcId: g.VpcId,
            };
          }
        } catch {
          // Not in this account.
        }
        continue;
      }
      const { Tags } = await ec2.send(
        new DescribeTagsCommand({
          Filters: [{ Name: 'resource-id', Values: [id] }],
        }),
      );
      if (Tags?.length) {
        return {
          tags: Object.fromEntries(Tags.map(t => [t.Key!, t.Value ?? ''])),
          ownerId: accountId,
        };
      }
    }
    return undefined;
  }

  async elbv2Tags(arn: string): Promise<Record<string, string>> {
    const { elbv2 } = await this.admin(arn.split(':')[4]);
    try {
      const { TagDescriptions } = await elbv2.send(
        new DescribeElbTagsCommand({ ResourceArns: [arn] }),
      );
      return Object.fromEntries(
        (TagDescriptions?.[0]?.Tags ?? []).map(t => [t.Key!, t.Value ?? '']),
      );
    } catch {
      return {};
    }
  }

  async acmTags(arn: string): Promise<Record<string, string>> {
    const [, , , region, accountId] = arn.split(':');
    const options = await adminClientOptions(
      this.motoEndpoint,
      region || this.region,
      accountId,
      'sandbox-iam-gateway',
    );
    try {
      const { Tags } = await new ACMClient(options).send(
        new ListTagsForCertificateCommand({ CertificateArn: arn }),
      );
      return Object.fromEntries((Tags ?? []).map(t => [t.Key!, t.Value ?? '']));
    } catch {
      // A certificate that does not exist has no tags; the call itself then fails in ACM.
      return {};
    }
  }

  async ramShareTags(arn: string): Promise<Record<string, string>> {
    const { ram } = await this.admin(arn.split(':')[4]);
    const { resourceShares } = await ram.send(
      new GetResourceSharesCommand({
        resourceOwner: 'SELF',
        resourceShareArns: [arn],
      }),
    );
    return Object.fromEntries(
      (resourceShares?.[0]?.tags ?? []).map(t => [t.key!, t.value ?? '']),
    );
  }
}

interface AdminClients {
  iam: IAMClient;
  ec2: EC2Client;
  elbv2: ElasticLoadBalancingV2Client;
  ram: RAMClient;
}
