import http from 'node:http';
import { AddressInfo } from 'node:net';

/** One AWS call seen by the proxy. */
export interface ProxiedCall {
  /** Signing name from the SigV4 credential scope, e.g. `elasticloadbalancing`, `tagging`. */
  service: string;
  /** API action, e.g. `DescribeTargetHealth`. */
  action: string;
  /** Access key of the caller; moto's assumed-role keys differ per account. */
  accessKeyId: string;
  /** When the request arrived, in epoch milliseconds with sub-millisecond precision. */
  at: number;
  /** Time moto took to answer, without the injected delay. */
  upstreamMs?: number;
}

export interface FaultProxy {
  endpoint: string;
  calls: ProxiedCall[];
  /** Calls since `from` (an index into `calls`), counted by `service:action`. */
  countsSince(from?: number): Record<string, number>;
  stop(): Promise<void>;
}

function actionOf(req: http.IncomingMessage, body: string): string {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') return target.split('.').pop() ?? target;
  const fromBody = /(?:^|&)Action=([A-Za-z]+)/.exec(body)?.[1];
  if (fromBody) return fromBody;
  return /[?&]Action=([A-Za-z]+)/.exec(req.url ?? '')?.[1] ?? 'unknown';
}

function scopeOf(req: http.IncomingMessage): {
  service: string;
  accessKeyId: string;
} {
  const auth = String(req.headers.authorization ?? '');
  const m = /Credential=([^/]+)\/[^/]+\/[^/]+\/([^/]+)\//.exec(auth);
  return { accessKeyId: m?.[1] ?? '', service: m?.[2] ?? 'unknown' };
}

/**
 * A loopback HTTP proxy in front of moto_server that delays every AWS call by a fixed time
 * (standing in for the network round trip to AWS) and records each call's API action.
 */
export async function startFaultProxy(options: {
  target: string;
  delayMs: number;
}): Promise<FaultProxy> {
  const target = new URL(options.target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const calls: ProxiedCall[] = [];

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const call: ProxiedCall = {
        ...scopeOf(req),
        action: actionOf(req, body.toString('utf8')),
        at: performance.timeOrigin + performance.now(),
      };
      calls.push(call);
      setTimeout(() => {
        const sent = performance.now();
        const upstream = http.request(
          {
            host: target.hostname,
            port: target.port,
            method: req.method,
            path: req.url,
            headers: { ...req.headers, host: target.host },
            agent,
          },
          up => {
            up.on('end', () => {
              call.upstreamMs = performance.now() - sent;
            });
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
          },
        );
        upstream.on('error', e => {
          res.writeHead(502);
          res.end(String(e));
        });
        upstream.end(body);
      }, options.delayMs);
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    countsSince(from = 0) {
      const counts: Record<string, number> = {};
      for (const c of calls.slice(from)) {
        const key = `${c.service}:${c.action}`;
        counts[key] = (counts[key] ?? 0) + 1;
      }
      return counts;
    },
    async stop() {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>(resolve => server.close(() => resolve()));
    },
  };
}
