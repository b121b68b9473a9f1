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
      "Returns the Application Load Balancers of a catalog entity (from its aws.amazon.com/elbv2-load-balancer-arn or aws.amazon.com/elbv2-load-balancer-tags annotation): DNS name, state, listeners, target groups and the health of every target with its reason code. Answers come from a cache kept fresh in the background; `stale: true` means AWS could not be read and `staleReason` says why; `ageSeconds` is the answer's age; `queued` means the entity was never read and the portal's AWS budget is spent: ask again after `queued.expectedWaitSeconds`.",
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
      return {
        output: {
          ...response,
          loadBalancers: response.loadBalancers.map(lb => ({ ...lb })),
        },
      };
    },
  });
}
