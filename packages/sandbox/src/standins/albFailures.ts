/*
 * Target groups that fail when asked, in a running sandbox: the sandbox has no pods whose
 * health checks could fail, so a failure is a period during which a target group's targets
 * fail their checks (the `sandbox:target-health` tag moto reads, albMetrics.ts) and its
 * CloudWatch metrics say so (5xx, slow answers, unhealthy hosts). The periods are kept in
 * the sandbox's state directory, so the backend that starts or ends a failure (the
 * `sandbox:alb:set-target-group-health` action) and the process that publishes the metrics
 * every minute (scripts/start.sh) agree on them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { InputError } from '@backstage/errors';
import { sandboxAdminClients } from '../accounts';
import { setSandboxTargetGroupHealth } from './albMetrics';

/** One failure of a target group: from `since`, until `until` when it has recovered. */
export interface FailurePeriod {
  since: string;
  until?: string;
}

export type TargetGroupFailures = Record<string, FailurePeriod[]>;

function failuresFile(): string {
  return path.join(
    process.env.SANDBOX_STATE_DIR ??
      path.join(os.tmpdir(), 'cross-account-alb-sandbox'),
    'alb-failures.json',
  );
}

/** The failure periods of every target group (empty when none was ever asked for). */
export function readTargetGroupFailures(): TargetGroupFailures {
  const file = failuresFile();
  if (!fs.existsSync(file)) return {};
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** Whether a target group is failing at a time, by its periods. */
export function isFailingAt(
  periods: FailurePeriod[] | undefined,
  at: Date,
): boolean {
  const t = at.getTime();
  return (periods ?? []).some(
    p =>
      Date.parse(p.since) <= t &&
      (p.until === undefined || t < Date.parse(p.until)),
  );
}

/** Opens a failure period (when none is open) or closes the open one. */
export function recordTargetGroupFailure(
  targetGroupArn: string,
  failing: boolean,
  at: Date = new Date(),
): FailurePeriod[] {
  const all = readTargetGroupFailures();
  const periods = all[targetGroupArn] ?? [];
  const open = periods.find(p => p.until === undefined);
  if (failing && !open) periods.push({ since: at.toISOString() });
  if (!failing && open) open.until = at.toISOString();
  all[targetGroupArn] = periods;
  const file = failuresFile();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(all, null, 2));
  fs.renameSync(tmp, file);
  return periods;
}

/**
 * The target groups of a load balancer the controller made for one Ingress (its
 * `ingress.k8s.aws/resource` tag is `<namespace>/<ingress>-<service>:<port>`), or all of the
 * load balancer's when no Ingress is named.
 */
export async function targetGroupsOfLoadBalancer(
  elbv2: ElasticLoadBalancingV2Client,
  loadBalancerArn: string,
  ingress?: string,
): Promise<string[]> {
  const { TargetGroups = [] } = await elbv2.send(
    new DescribeTargetGroupsCommand({ LoadBalancerArn: loadBalancerArn }),
  );
  const arns = TargetGroups.map(tg => tg.TargetGroupArn!);
  if (!ingress || arns.length === 0) return arns;
  const { TagDescriptions = [] } = await elbv2.send(
    new DescribeTagsCommand({ ResourceArns: arns }),
  );
  return TagDescriptions.filter(d =>
    (d.Tags ?? []).some(
      t =>
        t.Key === 'ingress.k8s.aws/resource' &&
        (t.Value ?? '').startsWith(`${ingress}-`),
    ),
  ).map(d => d.ResourceArn!);
}

/**
 * Makes target groups fail (their targets fail health checks from now on, and the metrics
 * published from now on say so) or recover, as the network account's owner: this is the
 * sandbox's world changing, not a call of the project's code.
 */
export async function sandboxSetTargetGroupsFailing(options: {
  networkAccountId: string;
  region: string;
  targetGroupArns: string[];
  failing: boolean;
  at?: Date;
}): Promise<void> {
  if (options.targetGroupArns.length === 0) {
    throw new InputError('No target group to change');
  }
  const elbv2 = await sandboxAdminClients().client(
    ElasticLoadBalancingV2Client,
    { accountId: options.networkAccountId, region: options.region },
  );
  for (const arn of options.targetGroupArns) {
    await setSandboxTargetGroupHealth(
      elbv2,
      arn,
      options.failing ? 'unhealthy' : 'healthy',
    );
    recordTargetGroupFailure(arn, options.failing, options.at);
  }
}
