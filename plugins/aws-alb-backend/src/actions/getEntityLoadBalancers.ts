import { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { AwsAlbService } from '../service/types';

/**
 * Registers `get-entity-load-balancers`: the same read as the HTTP route, with the caller's
 * credentials, for automation and AI agents.
 */
export function registerGetEntityLoadBalancersAction(options: {
  actionsRegistry: ActionsRegistryService;
  service: AwsAlbService;
}) {
  const { actionsRegistry, service } = options;
  actionsRegistry.register({
    name: 'get-entity-load-balancers',
    title: 'Get the load balancers of an entity',
    description:
      'Returns the Application Load Balancers of a catalog entity (from its aws.amazon.com/elbv2-load-balancer-arn or aws.amazon.com/elbv2-load-balancer-tags annotation): DNS name, state, listeners, target groups and the health of every target with its reason code, and the golden signals of the last hour from CloudWatch (requests, 5xx rate, p50/p99 response time, unhealthy hosts, and a status: ok, degraded or no-traffic, with the reason). One structured answer to "is it healthy?". Answers come from a cache kept fresh in the background; `stale: true` means AWS could not be read and `staleReason` says why; `ageSeconds` is the answer\'s age; `queued` means the entity was never read and the portal\'s AWS budget is spent: ask again after `queued.expectedWaitSeconds`; `signalsError` says why the signals are missing.',
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: {
      input: z =>
        z.object({
          entityRef: z
            .string()
            .describe('Entity reference, e.g. component:default/game-2048'),
        }),
      output: z =>
        z.object({
          entityRef: z.string(),
          accountId: z.string(),
          region: z.string(),
          fetchedAt: z.string(),
          stale: z.boolean(),
          staleReason: z.string().optional(),
          ageSeconds: z
            .number()
            .optional()
            .describe('How old the answer was when given, in seconds'),
          listenersPending: z
            .boolean()
            .optional()
            .describe('Listeners not read yet (health is read first)'),
          queued: z
            .object({ expectedWaitSeconds: z.number() })
            .optional()
            .describe(
              'Never read yet and the AWS budget is spent: ask again after expectedWaitSeconds; loadBalancers is empty',
            ),
          loadBalancers: z
            .array(
              z.object({ arn: z.string(), name: z.string() }).passthrough(),
            )
            .describe(
              'Load balancers with listeners, targetGroups (targets with state, reasonCode, description; counts by state) and consoleUrl',
            ),
          signals: z
            .array(
              z.object({
                loadBalancerArn: z.string(),
                status: z.enum(['ok', 'degraded', 'no-traffic']),
                statusReason: z.string(),
                requestsPerMinute: z.number().optional(),
                errorRatePercent: z.number().optional(),
                p50Milliseconds: z.number().optional(),
                p99Milliseconds: z.number().optional(),
                unhealthyHosts: z.number(),
              }),
            )
            .optional()
            .describe(
              'The latest minute of the golden signals per load balancer, from CloudWatch',
            ),
          signalsError: z.string().optional(),
        }),
    },
    examples: [
      {
        title: 'Health of the 2048 game ALB',
        input: { entityRef: 'component:default/game-2048' },
      },
    ],
    action: async ({ input, credentials }) => {
      const response = await service.getEntityLoadBalancers({
        entityRef: input.entityRef,
        credentials,
      });
      // The signals are an addition: without them (CloudWatch throttled or denied) the
      // health still answers, saying why the signals are missing.
      let signals;
      let signalsError: string | undefined;
      if (service.getEntityLoadBalancerSignals) {
        try {
          const read = await service.getEntityLoadBalancerSignals({
            entityRef: input.entityRef,
            credentials,
            range: '1h',
          });
          const ms = (v?: number) =>
            v === undefined ? undefined : Math.round(v * 1000);
          signals = read.loadBalancers.map(s => ({
            loadBalancerArn: s.loadBalancerArn,
            status: s.status,
            statusReason: s.statusReason,
            requestsPerMinute: s.requests.current,
            errorRatePercent: s.errorRatePercent.current,
            p50Milliseconds: ms(s.p50Seconds.current),
            p99Milliseconds: ms(s.p99Seconds.current),
            unhealthyHosts: s.targetGroups.reduce(
              (n, tg) => n + (tg.unhealthy.current ?? 0),
              0,
            ),
          }));
        } catch (e) {
          signalsError = (e as Error).message;
        }
      }
      return {
        output: {
          ...response,
          loadBalancers: response.loadBalancers.map(lb => ({ ...lb })),
          ...(signals ? { signals } : {}),
          ...(signalsError ? { signalsError } : {}),
        },
      };
    },
  });
}
