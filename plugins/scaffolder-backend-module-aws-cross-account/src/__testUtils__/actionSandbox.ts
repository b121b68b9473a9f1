/*
 * A sandbox AWS for one integration test file, and the module's actions as Backstage runs
 * them against it; tests only.
 */
import { ConfigReader } from '@backstage/config';
import { createAwsClientFactory } from '@cross-account-alb/plugin-aws-cross-account-node';
import {
  MotoServer,
  SandboxNetwork,
  sandboxAwsConfig,
  seedSandboxNetwork,
  startMoto,
  useSandboxEndpoint,
} from 'sandbox';
import { actionContext, actionsWithShareKnobs, mockAuditor } from './testing';

const READ_ONLY = /:(Describe|Get|List)/;

/**
 * Starts moto behind the sandbox's IAM gateway with Account-A's network seeded before the
 * file's tests, and stops it after them. `run` runs one action as Backstage would (clients
 * from the sandbox's `aws.accounts`, share-subnets with short waits); `calls` records every
 * AWS call the actions made, `mutations` those that change something.
 */
export function useActionSandbox() {
  let moto: MotoServer | undefined;
  let restoreEnv: (() => void) | undefined;
  let network: SandboxNetwork | undefined;
  const calls: Array<{ accountId: string; action: string }> = [];

  beforeAll(async () => {
    moto = await startMoto();
    restoreEnv = useSandboxEndpoint(moto.endpoint);
    network = await seedSandboxNetwork();
  });

  afterAll(async () => {
    restoreEnv?.();
    await moto?.stop();
  });

  const actions = () =>
    Object.fromEntries(
      actionsWithShareKnobs({
        clients: createAwsClientFactory({
          config: new ConfigReader({ aws: sandboxAwsConfig() }),
          onCommand: e =>
            calls.push({ accountId: e.accountId, action: e.action }),
        }),
        auditor: mockAuditor().auditor,
      }).map(a => [a.id, a]),
    );

  return {
    calls,
    mutations: () => calls.filter(c => !READ_ONLY.test(c.action)),
    network: () => network!,
    moto: () => moto!,
    async run(
      id: string,
      input: Record<string, any>,
    ): Promise<Record<string, any>> {
      const { ctx, outputs } = actionContext(input);
      await actions()[id].handler(ctx);
      return outputs();
    },
  };
}
