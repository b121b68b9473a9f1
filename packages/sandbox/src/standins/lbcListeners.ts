/*
 * The Load Balancer Controller's listeners, as the stand-in builds them: which ports an
 * Ingress listens on and with what protocol, certificate and TLS policy, how a group merges
 * its members' ports, and the HTTP-to-HTTPS redirect. The rules and their wording follow
 * controller v3.5.0 (kubernetes-sigs/aws-load-balancer-controller at tag v3.5.0, commit
 * 11eb202c):
 *
 * - pkg/ingress/model_build_listener.go: computeIngressListenPorts (`listen-ports` is a JSON
 *   list of {"HTTP"|"HTTPS": port}; without it 443/HTTPS when the Ingress names a
 *   certificate, else 80/HTTP; "failed to parse listen-ports configuration", "empty
 *   listen-ports configuration", "listen port must be within [1, 65535]", "listen protocol
 *   must be within [HTTP, HTTPS]"), computeIngressExplicitTLSCertARNs (`certificate-arn`, a
 *   comma-separated list), computeIngressExplicitSSLPolicy (`ssl-policy`), and the certificate
 *   and policy given to HTTPS ports only; buildListenerDefaultActions: an HTTP listener of a
 *   group with an SSL redirect answers only the redirect;
 * - pkg/ingress/model_builder.go: mergeListenPortConfigs ("conflicting protocol", "conflicting
 *   sslPolicy", the default certificate first, then the others without duplicates; an HTTPS
 *   port without a policy gets the controller's default), buildSSLRedirectConfig (`ssl-redirect`
 *   is an int32; "conflicting sslRedirect port", "listener does not exist for SSLRedirect
 *   port", "listener protocol non-SSL for SSLRedirect port"; status HTTP_301);
 * - pkg/ingress/model_build_actions.go: buildSSLRedirectAction (Protocol HTTPS, the port,
 *   HTTP_301; host, path and query kept);
 * - pkg/ingress/model_build_listener_rules.go: no rules on an HTTP listener that redirects;
 *   the other listeners carry the rules of the members listening on their port;
 * - pkg/config/controller_config.go: `--default-ssl-policy` defaults to
 *   ELBSecurityPolicy-2016-08.
 *
 * One difference, said when it applies: the controller finds a certificate for an HTTPS port
 * without `certificate-arn` by the Ingress's hosts in ACM of its own account
 * (computeIngressInferredTLSCertARNs); the stand-in does not search, it refuses and asks for
 * `certificate-arn`.
 */
import { InputError } from '@backstage/errors';

const ANNOTATION = 'alb.ingress.kubernetes.io/';

/** The controller's `--default-ssl-policy` default (pkg/config/controller_config.go). */
export const LBC_DEFAULT_SSL_POLICY = 'ELBSecurityPolicy-2016-08';

export type ListenerProtocol = 'HTTP' | 'HTTPS';

/** What one Ingress asks of one listener port. */
export interface ListenPortConfig {
  protocol: ListenerProtocol;
  /** HTTPS only: the Ingress's certificates, the default one first. */
  certificateArns: string[];
  /** HTTPS only: `ssl-policy` when the Ingress sets it. */
  sslPolicy?: string;
}

/** What one Ingress says about listeners: its ports and its `ssl-redirect`. */
export interface IngressListeners {
  /** `namespace/name`, as the controller names an Ingress in its errors. */
  key: string;
  ports: Map<number, ListenPortConfig>;
  sslRedirectPort?: number;
}

/** A listener of the group's ALB, merged from the members listening on its port. */
export interface GroupListener {
  port: number;
  protocol: ListenerProtocol;
  /** The default certificate first (HTTPS). */
  certificateArns: string[];
  /** HTTPS: the members' policy, else the controller's default. */
  sslPolicy?: string;
  /** The members listening on this port, in group order. */
  memberKeys: string[];
}

export interface GroupListeners {
  listeners: GroupListener[];
  /** The HTTPS port HTTP listeners redirect to (with HTTP_301), if any member asks. */
  sslRedirectPort?: number;
}

/** `ParseStringSliceAnnotation`: comma-separated, trimmed, empty parts dropped. */
function commaList(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map(s => s.trim())
    .filter(Boolean);
}

const inIngress = (key: string, message: string) =>
  new InputError(`ingress: ${key}: ${message}`);

/** computeIngressListenPortConfigByPort for one Ingress, from its annotations. */
export function ingressListeners(
  key: string,
  annotations: Record<string, string>,
): IngressListeners {
  const a = (suffix: string): string | undefined =>
    annotations[ANNOTATION + suffix];
  const certificateArns = commaList(a('certificate-arn'));
  const sslPolicy = a('ssl-policy');
  const rawPorts = a('listen-ports');
  const protocols = new Map<number, ListenerProtocol>();
  if (rawPorts === undefined) {
    if (certificateArns.length) protocols.set(443, 'HTTPS');
    else protocols.set(80, 'HTTP');
  } else {
    let entries: unknown;
    try {
      entries = JSON.parse(rawPorts);
    } catch (e) {
      throw inIngress(
        key,
        `failed to parse listen-ports configuration: \`${rawPorts}\`: ${
          (e as Error).message
        }`,
      );
    }
    if (
      !Array.isArray(entries) ||
      entries.some(e => !e || typeof e !== 'object' || Array.isArray(e))
    ) {
      throw inIngress(
        key,
        `failed to parse listen-ports configuration: \`${rawPorts}\`: expected a list of {"HTTP"|"HTTPS": port}`,
      );
    }
    if (!entries.length) {
      throw inIngress(key, `empty listen-ports configuration: \`${rawPorts}\``);
    }
    for (const entry of entries as Array<Record<string, unknown>>) {
      for (const [protocol, port] of Object.entries(entry)) {
        if (!Number.isInteger(port)) {
          throw inIngress(
            key,
            `failed to parse listen-ports configuration: \`${rawPorts}\`: a port is not an int32: ${JSON.stringify(
              port,
            )}`,
          );
        }
        const n = port as number;
        if (n < 1 || n > 65535) {
          throw inIngress(key, `listen port must be within [1, 65535]: ${n}`);
        }
        if (protocol !== 'HTTP' && protocol !== 'HTTPS') {
          throw inIngress(
            key,
            `listen protocol must be within [HTTP, HTTPS]: ${protocol}`,
          );
        }
        protocols.set(n, protocol);
      }
    }
  }
  const ports = new Map<number, ListenPortConfig>();
  for (const [port, protocol] of protocols) {
    if (protocol === 'HTTPS' && !certificateArns.length) {
      throw inIngress(
        key,
        `listens on ${port} with HTTPS but names no certificate: the controller would look for one by the Ingress's hosts in ACM of its own (the network) account; the sandbox's stand-in does not search, set ${ANNOTATION}certificate-arn`,
      );
    }
    ports.set(
      port,
      protocol === 'HTTPS'
        ? {
            protocol,
            certificateArns,
            ...(sslPolicy !== undefined ? { sslPolicy } : {}),
          }
        : { protocol, certificateArns: [] },
    );
  }
  let sslRedirectPort: number | undefined;
  const rawRedirect = a('ssl-redirect');
  if (rawRedirect !== undefined) {
    const n = Number(rawRedirect);
    if (!/^[+-]?\d+$/.test(rawRedirect) || n < -2147483648 || n > 2147483647) {
      throw inIngress(
        key,
        `failed to parse int32 annotation, ${ANNOTATION}ssl-redirect: ${rawRedirect}`,
      );
    }
    sslRedirectPort = n;
  }
  return { key, ports, sslRedirectPort };
}

/**
 * mergeListenPortConfigs and buildSSLRedirectConfig over the members of a group, in group
 * order. Throws the controller's reason for refusing the group.
 */
export function mergeGroupListeners(
  members: IngressListeners[],
): GroupListeners {
  const byPort = new Map<number, IngressListeners[]>();
  for (const m of members) {
    for (const port of m.ports.keys()) {
      byPort.set(port, [...(byPort.get(port) ?? []), m]);
    }
  }
  const listeners: GroupListener[] = [];
  for (const [port, listening] of [...byPort].sort(([x], [y]) => x - y)) {
    const fail = (reason: string): never => {
      throw new InputError(
        `failed to merge listenPort config for port: ${port}: ${reason}`,
      );
    };
    let protocolFrom: IngressListeners | undefined;
    let policyFrom: IngressListeners | undefined;
    const certificateArns: string[] = [];
    for (const m of listening) {
      const cfg = m.ports.get(port)!;
      if (!protocolFrom) protocolFrom = m;
      const protocol = protocolFrom.ports.get(port)!.protocol;
      if (cfg.protocol !== protocol) {
        fail(
          `conflicting protocol, ${protocolFrom.key}: ${protocol} | ${m.key}: ${cfg.protocol}`,
        );
      }
      if (cfg.sslPolicy !== undefined) {
        const have = policyFrom?.ports.get(port)!.sslPolicy;
        if (!policyFrom) policyFrom = m;
        else if (have !== cfg.sslPolicy) {
          fail(
            `conflicting sslPolicy, ${policyFrom.key}: ${have} | ${m.key}: ${cfg.sslPolicy}`,
          );
        }
      }
      for (const arn of cfg.certificateArns) {
        if (!certificateArns.includes(arn)) certificateArns.push(arn);
      }
    }
    const protocol = protocolFrom!.ports.get(port)!.protocol;
    listeners.push({
      port,
      protocol,
      certificateArns,
      ...(protocol === 'HTTPS'
        ? {
            sslPolicy:
              policyFrom?.ports.get(port)!.sslPolicy ?? LBC_DEFAULT_SSL_POLICY,
          }
        : {}),
      memberKeys: listening.map(m => m.key),
    });
  }
  const redirectPorts = new Set(
    members.flatMap(m =>
      m.sslRedirectPort === undefined ? [] : [m.sslRedirectPort],
    ),
  );
  if (!redirectPorts.size) return { listeners };
  if (redirectPorts.size > 1) {
    throw new InputError(
      `conflicting sslRedirect port: [${[...redirectPorts]
        .sort((x, y) => x - y)
        .join(' ')}]`,
    );
  }
  const [sslRedirectPort] = redirectPorts;
  const target = listeners.find(l => l.port === sslRedirectPort);
  if (!target) {
    throw new InputError(
      `listener does not exist for SSLRedirect port: ${sslRedirectPort}`,
    );
  }
  if (target.protocol !== 'HTTPS') {
    throw new InputError(
      `listener protocol non-SSL for SSLRedirect port: ${sslRedirectPort}`,
    );
  }
  return { listeners, sslRedirectPort };
}

/** buildSSLRedirectAction: the default action of an HTTP listener of a redirecting group. */
export function sslRedirectAction(port: number) {
  return {
    Type: 'redirect' as const,
    RedirectConfig: {
      Protocol: 'HTTPS',
      Port: String(port),
      StatusCode: 'HTTP_301' as const,
    },
  };
}
