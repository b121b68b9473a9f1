import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  SANDBOX_NETWORK_ACCOUNT_ID,
  SANDBOX_REGION,
  SandboxNetwork,
  sandboxAdminCredentials,
} from 'sandbox';

/** An ELBv2 client acting as Account-A through its assumed role, as the controller would. */
export async function networkElbv2(): Promise<ElasticLoadBalancingV2Client> {
  const { sdkCredentialProvider } = await sandboxAdminCredentials(
    SANDBOX_NETWORK_ACCOUNT_ID,
  );
  return new ElasticLoadBalancingV2Client({
    region: SANDBOX_REGION,
    credentials: sdkCredentialProvider,
  });
}

/**
 * Creates what the AWS Load Balancer Controller creates for one Ingress: an internet-facing
 * ALB tagged with the controller's tags, IP target groups with registered pod IPs, and an
 * HTTP listener forwarding to the first group.
 */
export async function createLbcAlb(options: {
  elbv2: ElasticLoadBalancingV2Client;
  network: SandboxNetwork;
  name: string;
  cluster: string;
  stack: string;
  targetGroups: number;
  targetsPerGroup: number;
}): Promise<{ arn: string; targetGroupArns: string[] }> {
  const { elbv2, network, name, cluster, stack } = options;
  const lb = await elbv2.send(
    new CreateLoadBalancerCommand({
      Name: name,
      Type: 'application',
      Scheme: 'internet-facing',
      Subnets: network.publicSubnets.map(s => s.subnetId),
      Tags: [
        { Key: 'elbv2.k8s.aws/cluster', Value: cluster },
        { Key: 'ingress.k8s.aws/stack', Value: stack },
        { Key: 'ingress.k8s.aws/resource', Value: 'LoadBalancer' },
      ],
    }),
  );
  const arn = lb.LoadBalancers![0].LoadBalancerArn!;
  const targetGroupArns: string[] = [];
  for (let g = 0; g < options.targetGroups; g++) {
    const tg = await elbv2.send(
      new CreateTargetGroupCommand({
        Name: `${name}-${g}`.slice(0, 32),
        Protocol: 'HTTP',
        Port: 80,
        VpcId: network.vpcId,
        TargetType: 'ip',
        HealthCheckPath: '/',
        Tags: [
          { Key: 'elbv2.k8s.aws/cluster', Value: cluster },
          { Key: 'ingress.k8s.aws/stack', Value: stack },
        ],
      }),
    );
    const tgArn = tg.TargetGroups![0].TargetGroupArn!;
    targetGroupArns.push(tgArn);
    await elbv2.send(
      new RegisterTargetsCommand({
        TargetGroupArn: tgArn,
        Targets: Array.from({ length: options.targetsPerGroup }, (_, t) => ({
          Id: `10.20.${10 + (g % 2)}.${(g * 16 + t + 10) % 250}`,
          Port: 80,
        })),
      }),
    );
  }
  // One listener per target group, as an Ingress with several rules on distinct ports would.
  for (let g = 0; g < Math.max(1, targetGroupArns.length); g++) {
    await elbv2.send(
      new CreateListenerCommand({
        LoadBalancerArn: arn,
        Protocol: 'HTTP',
        Port: 80 + g,
        DefaultActions: targetGroupArns[g]
          ? [{ Type: 'forward', TargetGroupArn: targetGroupArns[g] }]
          : [
              {
                Type: 'fixed-response',
                FixedResponseConfig: {
                  StatusCode: '404',
                  ContentType: 'text/plain',
                },
              },
            ],
      }),
    );
  }
  return { arn, targetGroupArns };
}
