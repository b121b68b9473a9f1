import { createHash } from 'node:crypto';
import http from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import {
  Protocol,
  WireResponse,
  awsErrorResponse,
  badGateway,
  requestUpstream,
  sendWireResponse,
} from './awsWire';

/**
 * What can go wrong with one AWS call. Rates are probabilities between 0 and 1; the first
 * three are exclusive (their sum is at most 1), the delay is drawn independently.
 */
export interface FaultRule {
  /**
   * Which calls the rule applies to: `*` for every call, an IAM-style action such as
   * `ec2:CreateSecurityGroup`, a bare API action (`CreateSecurityGroup`, any service), a
   * service prefix such as `iam:*`, or a regular expression tested on `service:Action`.
   */
  match: string | RegExp;
  /** Answers the protocol's throttling error (EC2 `RequestLimitExceeded`, query `Throttling`, JSON `ThrottlingException`). */
  throttle?: number;
  /** Answers HTTP 500 with the protocol's internal-error body. */
  serverError?: number;
  /** Destroys the connection without an answer. */
  reset?: number;
  /** Holds the call this long before anything else happens. */
  delayMs?: number;
  /** Share of calls that are delayed by `delayMs`; default 1 when `delayMs` is set. */
  delayRate?: number;
  /**
   * `before` (default): the fault replaces the call, which never reaches moto, as AWS does
   * when it throttles. `after`: the call reaches moto (and takes effect), then the client
   * gets the fault instead of the answer, like a response lost on the way back.
   */
  phase?: 'before' | 'after';
  /** At most this many faults (not delays) from this rule per action; default unlimited. */
  maxPerAction?: number;
}

export type FaultKind = 'throttle' | 'serverError' | 'reset';

/** One AWS call seen by the proxy. */
export interface ProxiedCall {
  /** IAM-style prefix from the SigV4 credential scope: `ec2`, `iam`, `elasticloadbalancing`, `tag`… */
  service: string;
  /** API action, e.g. `DescribeTargetHealth`. */
  action: string;
  /** Access key of the caller; moto's assumed-role keys differ per account. */
  accessKeyId: string;
  /**
   * When the request arrived, in epoch milliseconds with sub-millisecond precision, so that
   * a proxy in another process (the benchmark's) can be compared with the caller's clock.
   */
  at: number;
  /** Time moto took to answer, without the injected delay. */
  upstreamMs?: number;
  /** The fault injected, if any. */
  fault?: FaultKind;
  /** Whether the call reached moto. */
  forwarded: boolean;
  delayedMs?: number;
  /** moto's answer, for calls matching `recordResponses`. */
  responseBody?: string;
}

export interface FaultProxy {
  /** e.g. `http://127.0.0.1:45123`; give it to the SDK as `AWS_ENDPOINT_URL`. */
  endpoint: string;
  /** Every call, in arrival order. */
  calls: ProxiedCall[];
  /** Calls by `service:Action` (faulted ones included) since `from`, an index into `calls`. */
  countsSince(from?: number): Record<string, number>;
  /** Calls by `service:Action` since the start or the last `resetCounts()`. */
  counts(): Record<string, number>;
  /** Injected faults by kind, and by `service:Action` and kind. */
  faults(): {
    total: Record<FaultKind | 'delay', number>;
    byAction: Record<string, Partial<Record<FaultKind | 'delay', number>>>;
  };
  /** Forgets the calls seen so far (the per-action sequence used for decisions continues). */
  resetCounts(): void;
  /** Replaces the rules; takes effect for the next call. */
  setRules(rules: FaultRule[]): void;
  /**
   * Rewrites moto's answers: for each forwarded call, a string returned replaces the body
   * (to stage states moto cannot reach, such as a FAILED RAM association). `undefined`
   * removes the rewriter.
   */
  setResponseRewriter(rewrite?: ResponseRewriter): void;
  stop(): Promise<void>;
}

/** Returns the body to send instead of moto's, or undefined to pass it through. */
export type ResponseRewriter = (
  call: ProxiedCall,
  body: string,
) => string | undefined;

export interface FaultProxyOptions {
  /** moto's endpoint, e.g. `http://127.0.0.1:5000`. */
  target: string;
  /** Checked in order; the first rule that matches a call applies. Default: none. */
  rules?: FaultRule[];
  /**
   * Decisions are a hash of (seed, `service:Action`, n) for the n-th call of that action, so
   * a run sees the same faults whatever the interleaving of concurrent calls. Default 1.
   */
  seed?: number | string;
  /** Keeps moto's answer (`responseBody`) of calls whose `service:Action` matches. */
  recordResponses?: RegExp;
  /**
   * Called when moto has answered a forwarded call, before the answer goes back to the
   * caller: the call has taken effect, the caller does not know yet. Crash tests kill the
   * caller here.
   */
  onUpstreamResponse?: (call: ProxiedCall) => void;
}

const SIGNING_NAME_TO_PREFIX: Record<string, string> = {
  tagging: 'tag',
  // CloudWatch signs as `monitoring`; IAM names its actions `cloudwatch:*`.
  monitoring: 'cloudwatch',
};

// RAM's REST paths are the lower-cased operation names.
const RAM_OPERATIONS = [
  'AcceptResourceShareInvitation',
  'AssociateResourceShare',
  'AssociateResourceSharePermission',
  'CreateResourceShare',
  'DeleteResourceShare',
  'DisassociateResourceShare',
  'EnableSharingWithAwsOrganization',
  'GetResourcePolicies',
  'GetResourceShareAssociations',
  'GetResourceShareInvitations',
  'GetResourceShares',
  'ListPendingInvitationResources',
  'ListPermissions',
  'ListPrincipals',
  'ListResources',
  'ListResourceTypes',
  'RejectResourceShareInvitation',
  'TagResource',
  'UntagResource',
  'UpdateResourceShare',
];
const RAM_BY_PATH = new Map(RAM_OPERATIONS.map(op => [op.toLowerCase(), op]));

/** Route 53's REST routes (API version 2013-04-01) that the project and the sandbox use. */
export function route53Operation(
  method: string,
  path: string,
): string | undefined {
  const parts = path.split('/').filter(Boolean);
  if (parts[0] !== '2013-04-01') return undefined;
  const [, kind, id, sub] = parts;
  if (kind === 'hostedzonesbyname') return 'ListHostedZonesByName';
  if (kind === 'change' && id) return 'GetChange';
  if (kind !== 'hostedzone') return undefined;
  if (!id) return method === 'POST' ? 'CreateHostedZone' : 'ListHostedZones';
  if (sub === 'rrset') {
    return method === 'POST'
      ? 'ChangeResourceRecordSets'
      : 'ListResourceRecordSets';
  }
  if (sub) return undefined;
  if (method === 'GET') return 'GetHostedZone';
  if (method === 'DELETE') return 'DeleteHostedZone';
  if (method === 'POST') return 'UpdateHostedZoneComment';
  return undefined;
}

/** EKS's REST routes that the project and the stand-ins use, by method and path shape. */
function eksOperation(method: string, path: string): string | undefined {
  const parts = path.split('/').filter(Boolean);
  if (parts[0] === 'tags') {
    if (method === 'GET') return 'ListTagsForResource';
    if (method === 'POST') return 'TagResource';
    if (method === 'DELETE') return 'UntagResource';
  }
  if (parts[0] !== 'clusters') return undefined;
  if (parts.length === 1)
    return method === 'POST' ? 'CreateCluster' : 'ListClusters';
  if (parts.length === 2) {
    if (method === 'GET') return 'DescribeCluster';
    if (method === 'DELETE') return 'DeleteCluster';
  }
  const sub = parts[2];
  if (sub === 'update-config') return 'UpdateClusterConfig';
  if (sub === 'updates')
    return method === 'POST' ? 'UpdateClusterVersion' : 'ListUpdates';
  if (sub === 'node-groups') {
    if (parts.length === 3)
      return method === 'POST' ? 'CreateNodegroup' : 'ListNodegroups';
    if (parts[4] === 'update-config') return 'UpdateNodegroupConfig';
    if (method === 'GET') return 'DescribeNodegroup';
    if (method === 'DELETE') return 'DeleteNodegroup';
  }
  if (sub === 'addons') {
    if (parts.length === 3)
      return method === 'POST' ? 'CreateAddon' : 'ListAddons';
    if (method === 'GET') return 'DescribeAddon';
    if (method === 'DELETE') return 'DeleteAddon';
  }
  if (sub === 'identity-provider-configs') {
    return parts[3] === 'describe'
      ? 'DescribeIdentityProviderConfig'
      : 'ListIdentityProviderConfigs';
  }
  if (sub === 'access-entries') {
    if (parts.length === 3)
      return method === 'POST' ? 'CreateAccessEntry' : 'ListAccessEntries';
    if (method === 'GET') return 'DescribeAccessEntry';
    if (method === 'DELETE') return 'DeleteAccessEntry';
  }
  return undefined;
}

function signingScope(req: { headers: http.IncomingHttpHeaders }): {
  signingName: string;
  accessKeyId: string;
} {
  const auth = String(req.headers.authorization ?? '');
  const m = /Credential=([^/]+)\/[^/]+\/[^/]+\/([^/]+)\//.exec(auth);
  return { accessKeyId: m?.[1] ?? '', signingName: m?.[2] ?? 'unknown' };
}

/** The service, action and wire protocol of one request. */
export function identifyAwsCall(req: {
  method?: string;
  url?: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}): {
  service: string;
  action: string;
  protocol: Protocol;
  accessKeyId: string;
} {
  const { signingName, accessKeyId } = signingScope(req);
  const service = SIGNING_NAME_TO_PREFIX[signingName] ?? signingName;
  const url = new URL(req.url ?? '/', 'http://proxy');
  const method = (req.method ?? 'GET').toUpperCase();
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') {
    return {
      service,
      action: target.split('.').pop() ?? target,
      protocol: 'json',
      accessKeyId,
    };
  }
  const form = new URLSearchParams(
    String(req.headers['content-type'] ?? '').includes('x-www-form-urlencoded')
      ? req.body
      : '',
  );
  const queryAction = form.get('Action') ?? url.searchParams.get('Action');
  if (queryAction) {
    return {
      service,
      action: queryAction,
      protocol: service === 'ec2' ? 'ec2' : 'query',
      accessKeyId,
    };
  }
  // Smithy RPC v2: /service/<Service>/operation/<Operation>
  const rpc = /\/service\/[^/]+\/operation\/([^/?]+)/.exec(url.pathname);
  if (rpc) return { service, action: rpc[1], protocol: 'json', accessKeyId };
  let action: string | undefined;
  if (service === 'route53') {
    return {
      service,
      action:
        route53Operation(method, url.pathname) ?? `${method} ${url.pathname}`,
      protocol: 'restXml',
      accessKeyId,
    };
  }
  if (service === 'ram') {
    action = RAM_BY_PATH.get(url.pathname.replace(/^\/+|\/+$/g, ''));
  } else if (service === 'eks') {
    action = eksOperation(method, url.pathname);
  }
  return {
    service,
    action: action ?? `${method} ${url.pathname}`,
    protocol: 'restJson',
    accessKeyId,
  };
}

/** The error a real service answers, in its protocol. */
export function faultResponse(
  protocol: Protocol,
  kind: 'throttle' | 'serverError',
): WireResponse {
  const throttle = kind === 'throttle';
  if (protocol === 'ec2') {
    return awsErrorResponse(
      protocol,
      throttle
        ? {
            status: 503,
            code: 'RequestLimitExceeded',
            message: 'Request limit exceeded.',
          }
        : {
            status: 500,
            code: 'InternalError',
            message: 'An internal error has occurred',
          },
      'fault-proxy',
    );
  }
  if (protocol === 'query' || protocol === 'restXml') {
    return awsErrorResponse(
      protocol,
      throttle
        ? {
            status: 400,
            type: 'Sender',
            code: 'Throttling',
            message: 'Rate exceeded',
          }
        : {
            status: 500,
            type: 'Receiver',
            code: 'InternalFailure',
            message: 'An internal error occurred',
          },
      'fault-proxy',
    );
  }
  return awsErrorResponse(
    protocol,
    throttle
      ? {
          status: protocol === 'json' ? 400 : 429,
          code: 'ThrottlingException',
          message: 'Rate exceeded',
        }
      : {
          status: 500,
          code: 'InternalFailure',
          message: 'An internal error occurred',
        },
    'fault-proxy',
  );
}

function ruleMatches(rule: FaultRule, key: string, action: string): boolean {
  const { match } = rule;
  if (match instanceof RegExp) return match.test(key);
  if (match === '*' || match === key || match === action) return true;
  if (match.endsWith(':*')) return key.startsWith(match.slice(0, -1));
  return false;
}

/** A uniform number in [0, 1) from the seed, the call's key, its ordinal and a salt. */
function draw(seed: string, key: string, n: number, salt: string): number {
  const digest = createHash('sha256')
    .update(`${seed}\u0000${key}\u0000${n}\u0000${salt}`)
    .digest();
  return digest.readUInt32BE(0) / 0x1_0000_0000;
}

/** Decides what happens to the n-th call of `key` under `rule`. */
export function decideFault(
  rule: FaultRule | undefined,
  seed: string,
  key: string,
  n: number,
): { fault?: FaultKind; delayMs: number } {
  if (!rule) return { delayMs: 0 };
  const u = draw(seed, key, n, 'fault');
  let fault: FaultKind | undefined;
  let edge = 0;
  for (const kind of ['throttle', 'serverError', 'reset'] as const) {
    edge += rule[kind] ?? 0;
    if (u < edge) {
      fault = kind;
      break;
    }
  }
  const delayMs =
    rule.delayMs && draw(seed, key, n, 'delay') < (rule.delayRate ?? 1)
      ? rule.delayMs
      : 0;
  return { fault, delayMs };
}

/**
 * A loopback HTTP proxy in front of moto_server that identifies the AWS API action of every
 * request (form `Action=` for EC2, IAM, ELBv2 and STS; `X-Amz-Target` for JSON protocols such
 * as the tagging API; REST routes for EKS and RAM), counts calls per action, and injects
 * throttling errors, HTTP 500s, connection resets and delays at set rates per action, in each
 * protocol's wire format. Deterministic for a given seed.
 */
export async function startFaultProxy(
  options: FaultProxyOptions,
): Promise<FaultProxy> {
  const target = new URL(options.target);
  const seed = String(options.seed ?? 1);
  let rules = options.rules ?? [];
  let rewriter: ResponseRewriter | undefined;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const calls: ProxiedCall[] = [];
  const ordinals = new Map<string, number>();
  const spent = new Map<string, number>();
  const sockets = new Set<Socket>();

  const forward = (
    req: http.IncomingMessage,
    body: Buffer,
    call: ProxiedCall,
    onResponse: (up: http.IncomingMessage) => void,
    onError: (e: Error) => void,
  ) => {
    call.forwarded = true;
    const sent = performance.now();
    requestUpstream(
      target,
      agent,
      req,
      body,
      up => {
        up.on('end', () => {
          call.upstreamMs = performance.now() - sent;
        });
        onResponse(up);
      },
      onError,
    );
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const id = identifyAwsCall({
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: body.toString('utf8'),
      });
      const key = `${id.service}:${id.action}`;
      const n = ordinals.get(key) ?? 0;
      ordinals.set(key, n + 1);
      const rule = rules.find(r => ruleMatches(r, key, id.action));
      const decision = decideFault(rule, seed, key, n);
      if (decision.fault && rule?.maxPerAction !== undefined) {
        const budgetKey = `${rules.indexOf(rule)}\u0000${key}`;
        const used = spent.get(budgetKey) ?? 0;
        if (used >= rule.maxPerAction) delete decision.fault;
        else spent.set(budgetKey, used + 1);
      }
      const call: ProxiedCall = {
        service: id.service,
        action: id.action,
        accessKeyId: id.accessKeyId,
        at: performance.timeOrigin + performance.now(),
        forwarded: false,
        ...(decision.fault ? { fault: decision.fault } : {}),
        ...(decision.delayMs ? { delayedMs: decision.delayMs } : {}),
      };
      calls.push(call);

      const injectFault = () => {
        if (decision.fault === 'reset') {
          req.socket.destroy();
          return;
        }
        sendWireResponse(
          res,
          faultResponse(id.protocol, decision.fault as 'throttle'),
        );
      };
      const proceed = () => {
        if (decision.fault && rule?.phase !== 'after') {
          injectFault();
          return;
        }
        forward(
          req,
          body,
          call,
          up => {
            try {
              options.onUpstreamResponse?.(call);
            } catch {
              // A failing observer must not leave the caller without an answer.
            }
            if (decision.fault) {
              up.resume();
              up.on('end', injectFault);
              return;
            }
            const rewrite = rewriter;
            if (rewrite) {
              const parts: Buffer[] = [];
              up.on('data', (c: Buffer) => parts.push(c));
              up.on('end', () => {
                const original = Buffer.concat(parts).toString('utf8');
                const replaced = rewrite(call, original) ?? original;
                const headers = { ...up.headers };
                delete headers['content-length'];
                delete headers['transfer-encoding'];
                res.writeHead(up.statusCode ?? 502, {
                  ...headers,
                  'content-length': String(Buffer.byteLength(replaced)),
                });
                res.end(replaced);
              });
              return;
            }
            res.writeHead(up.statusCode ?? 502, up.headers);
            if (options.recordResponses?.test(key)) {
              const parts: Buffer[] = [];
              up.on('data', (c: Buffer) => parts.push(c));
              up.on('end', () => {
                call.responseBody = Buffer.concat(parts).toString('utf8');
              });
            }
            up.pipe(res);
          },
          e => badGateway(res, e),
        );
      };
      if (decision.delayMs) setTimeout(proceed, decision.delayMs);
      else proceed();
    });
  });
  server.on('connection', socket => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  let countFrom = 0;
  const tally = (from: number) => {
    const counts: Record<string, number> = {};
    for (const c of calls.slice(from)) {
      const key = `${c.service}:${c.action}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
  };

  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    countsSince: tally,
    counts: () => tally(countFrom),
    faults() {
      const total = { throttle: 0, serverError: 0, reset: 0, delay: 0 };
      const byAction: Record<
        string,
        Partial<Record<FaultKind | 'delay', number>>
      > = {};
      for (const c of calls.slice(countFrom)) {
        const key = `${c.service}:${c.action}`;
        const kinds: Array<FaultKind | 'delay'> = [];
        if (c.fault) kinds.push(c.fault);
        if (c.delayedMs) kinds.push('delay');
        for (const kind of kinds) {
          total[kind]++;
          const entry = (byAction[key] ??= {});
          entry[kind] = (entry[kind] ?? 0) + 1;
        }
      }
      return { total, byAction };
    },
    resetCounts() {
      countFrom = calls.length;
    },
    setRules(next) {
      rules = next;
      spent.clear();
    },
    setResponseRewriter(next) {
      rewriter = next;
    },
    async stop() {
      agent.destroy();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>(resolve => server.close(() => resolve()));
    },
  };
}
