import { useEffect, useState } from 'react';
import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import {
  InfoCard,
  Link,
  StructuredMetadataTable,
  Table,
  TableColumn,
  WarningPanel,
} from '@backstage/core-components';
import type { CompoundEntityRef } from '@backstage/catalog-model';
import { useApi, useRouteRef } from '@backstage/core-plugin-api';
import type {
  AlbCertificate,
  AlbListener,
  AlbLoadBalancer,
  AlbTarget,
  AlbTargetGroup,
} from '@cross-account-alb/plugin-aws-alb-common';
import {
  entityRouteParams,
  entityRouteRef,
  useEntity,
} from '@backstage/plugin-catalog-react';
import { awsAlbApiRef } from '../../api';
import { explainReasonCode } from '../../lib/reasonCodes';
import {
  countTargets,
  describeHealthCheck,
  describeListenerActions,
  loadBalancerUrl,
} from '../../lib/summary';
import {
  LoadBalancerStateStatus,
  TargetStateStatus,
} from '../shared/StatusLabels';
import { TargetPodsState, useTargetPods } from './TargetPods';

const asIs = (key: string) => key;

/** Name, DNS, scheme, network placement and a console link of one ALB. */
export function LoadBalancerDetailsCard(props: { lb: AlbLoadBalancer }) {
  const { lb } = props;
  const url = loadBalancerUrl(lb);
  const metadata: Record<string, unknown> = {
    Name: lb.name,
    'DNS name': url ? (
      <Link to={url} externalLinkIcon>
        {lb.dnsName}
      </Link>
    ) : (
      '—'
    ),
    State: (
      <>
        <LoadBalancerStateStatus state={lb.state} />
        {lb.stateReason ? ` ${lb.stateReason}` : ''}
      </>
    ),
    Scheme:
      lb.scheme === 'internal'
        ? 'internal (reachable only inside the VPC)'
        : lb.scheme ?? '—',
    Type: lb.type ?? '—',
    Account: lb.accountId,
    Region: lb.region,
    VPC: lb.vpcId ?? '—',
    'Availability zones': lb.availabilityZones.map(
      az => `${az.zoneName ?? '?'}: ${az.subnetId ?? '?'}`,
    ),
    'Security groups': lb.securityGroups.length ? lb.securityGroups : 'none',
    ...(lb.ingressGroup
      ? {
          'Shared by an Ingress group': `This component's Ingress ${
            lb.ingressGroup.ingress
          } shares the load balancer${
            lb.ingressGroup.otherIngresses.length
              ? ` with ${lb.ingressGroup.otherIngresses.join(', ')}`
              : ''
          }; only its own target groups are shown.`,
        }
      : {}),
  };
  return (
    <InfoCard
      title={`Load balancer ${lb.name}`}
      variant="gridItem"
      deepLink={{ title: 'Open in the AWS console', link: lb.consoleUrl }}
    >
      <StructuredMetadataTable
        metadata={metadata}
        dense
        options={{ titleFormat: asIs }}
      />
    </InfoCard>
  );
}

type ListenerRow = {
  id: string;
  port: string;
  protocol: string;
  action: string;
  certificateArns: string[];
};

/**
 * The certificates of the load balancer's HTTPS listeners, read from ACM (through the
 * backend) only when it has some.
 */
function useListenerCertificates(
  entityRef: CompoundEntityRef | undefined,
  lb: AlbLoadBalancer,
): { certificates?: AlbCertificate[]; error?: Error } {
  const api = useApi(awsAlbApiRef);
  const wanted = lb.listeners.some(l => l.certificateArns?.length);
  const [state, setState] = useState<{
    certificates?: AlbCertificate[];
    error?: Error;
  }>({});
  const key = entityRef
    ? `${entityRef.kind}:${entityRef.namespace}/${entityRef.name}`
    : '';
  useEffect(() => {
    if (!wanted || !entityRef || !api.getEntityCertificates) return undefined;
    const controller = new AbortController();
    api.getEntityCertificates(entityRef, { signal: controller.signal }).then(
      r => setState({ certificates: r.certificates }),
      error => {
        if (!controller.signal.aborted) setState({ error });
      },
    );
    return () => controller.abort();
    // The entity and whether there is anything to read decide; not the objects' identity.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, key, wanted]);
  return state;
}

function CertificateCell(props: {
  arns: string[];
  certificates?: AlbCertificate[];
}) {
  if (!props.arns.length) return <>—</>;
  return (
    <>
      {props.arns.map(arn => {
        const cert = props.certificates?.find(c => c.arn === arn);
        if (!cert) {
          return (
            <Typography key={arn} variant="body2">
              <code>{arn.split('/').pop()}</code>
            </Typography>
          );
        }
        return (
          <Box key={arn}>
            <Typography variant="body2">
              {cert.domainName ?? arn.split('/').pop()} · {cert.status ?? '?'}
              {cert.notAfter
                ? ` · valid until ${cert.notAfter.slice(0, 10)}`
                : ''}
            </Typography>
            {cert.warnings.map(w => (
              <Typography key={w} variant="body2" color="error">
                {w}
              </Typography>
            ))}
          </Box>
        );
      })}
    </>
  );
}

/** Listeners: port, protocol, where requests go, and the HTTPS listeners' certificates. */
export function ListenersCard(props: {
  lb: AlbLoadBalancer;
  entityRef?: CompoundEntityRef;
}) {
  const { lb } = props;
  const { certificates, error } = useListenerCertificates(props.entityRef, lb);
  const rows: ListenerRow[] = lb.listeners.map((l: AlbListener) => ({
    id: l.arn,
    port: l.port?.toString() ?? '—',
    protocol: l.protocol ?? '—',
    action:
      describeListenerActions(l, lb.targetGroups) +
      // The controller's listeners answer 404 by default and route by rules.
      (l.defaultActions.length === 1 &&
      l.defaultActions[0].type === 'fixed-response'
        ? ' to requests no rule matches (see the listener rules)'
        : ''),
    certificateArns: l.certificateArns ?? [],
  }));
  const withCertificates = rows.some(r => r.certificateArns.length);
  const columns: TableColumn<ListenerRow>[] = [
    { title: 'Port', field: 'port', width: '12%' },
    { title: 'Protocol', field: 'protocol', width: '12%' },
    { title: 'Default action', field: 'action' },
    ...(withCertificates
      ? [
          {
            title: 'Certificate',
            field: 'certificateArns',
            render: (row: ListenerRow) => (
              <CertificateCell
                arns={row.certificateArns}
                certificates={certificates}
              />
            ),
          } as TableColumn<ListenerRow>,
        ]
      : []),
  ];
  const warned = (certificates ?? []).filter(c => c.warnings.length);
  return (
    <>
      {warned.length > 0 && (
        <Box mb={2}>
          <WarningPanel
            severity="warning"
            title={`Certificate${warned.length > 1 ? 's' : ''} of ${warned
              .map(c => c.domainName ?? c.arn)
              .join(', ')}: ${warned.flatMap(c => c.warnings).join('; ')}`}
            message="An HTTPS listener whose certificate expires or is not renewed stops serving its name. ACM renews its own certificates while they are in use and their validation record is in DNS."
          />
        </Box>
      )}
      {error && (
        <Box mb={2}>
          <WarningPanel
            severity="info"
            title="The certificates could not be read from ACM"
            message={error.message}
          />
        </Box>
      )}
      <Table<ListenerRow>
        title="Listeners"
        options={{ paging: false, search: false, padding: 'dense' }}
        columns={columns}
        data={rows}
        emptyContent={
          <Typography variant="body2" style={{ padding: 16 }}>
            No listeners: the load balancer accepts no traffic.
          </Typography>
        }
      />
    </>
  );
}

type TargetRow = AlbTarget & { key: string };

function ReasonCell(props: { target: AlbTarget }) {
  const { target } = props;
  if (!target.reasonCode) {
    return <>{target.description ?? ''}</>;
  }
  const explanation = explainReasonCode(target.reasonCode, target.description);
  return (
    <>
      <Typography variant="body2">
        <code>{target.reasonCode}</code>: {explanation.meaning}
      </Typography>
      <Typography variant="body2" color="textSecondary">
        Check: {explanation.check}
      </Typography>
    </>
  );
}

/** The Kubernetes tab of the entity page (the Kubernetes plugin's entity content path). */
function useKubernetesTabLink(): string {
  const { entity } = useEntity();
  const entityRoute = useRouteRef(entityRouteRef);
  return `${entityRoute(entityRouteParams(entity))}/kubernetes`;
}

/** Rendered only when the pods are known, so only then is the entity route needed. */
function PodCell(props: { target: AlbTarget; pods: TargetPodsState }) {
  const { target, pods } = props;
  const kubernetesTab = useKubernetesTabLink();
  if (pods.kind === 'loading') return <>…</>;
  if (pods.kind !== 'ready') return <>—</>;
  const matched = pods.byIp.get(target.id) ?? [];
  if (matched.length === 0) {
    return (
      <Typography variant="body2" color="textSecondary">
        no pod of this component has this IP
      </Typography>
    );
  }
  return (
    <>
      {matched.map(pod => {
        const name = `${pod.namespace ? `${pod.namespace}/` : ''}${pod.name}`;
        return (
          <Typography
            variant="body2"
            key={`${pod.cluster}/${name}`}
            data-testid={`target-pod-${target.id}`}
          >
            <Link to={kubernetesTab}>{name}</Link>
            {pod.phase && pod.phase !== 'Running' ? ` (${pod.phase})` : ''}
          </Typography>
        );
      })}
    </>
  );
}

function NodeCell(props: { target: AlbTarget; pods: TargetPodsState }) {
  const { target, pods } = props;
  if (pods.kind !== 'ready') return <>—</>;
  const nodes = [
    ...new Set(
      (pods.byIp.get(target.id) ?? [])
        .map(p => p.nodeName)
        .filter((n): n is string => Boolean(n)),
    ),
  ];
  return <>{nodes.length ? nodes.join(', ') : '—'}</>;
}

/** One target group: settings, health check and the health of each target. */
export function TargetGroupCard(props: { tg: AlbTargetGroup }) {
  const { tg } = props;
  const counts = countTargets(tg.targets);
  const pods = useTargetPods();
  // Pod and node come from the Kubernetes plugin, when the portal has it (TargetPods.tsx).
  const podColumns: TableColumn<TargetRow>[] =
    pods.kind === 'unavailable' || tg.targetType === 'instance'
      ? []
      : [
          {
            title: 'Pod',
            field: 'pod',
            width: '18%',
            render: row => <PodCell target={row} pods={pods} />,
          },
          {
            title: 'Node',
            field: 'node',
            width: '14%',
            render: row => <NodeCell target={row} pods={pods} />,
          },
        ];
  const columns: TableColumn<TargetRow>[] = [
    { title: 'Target (ID / IP)', field: 'id', width: '18%' },
    ...podColumns,
    { title: 'Port', field: 'port', width: '8%' },
    // ELB names a target's zone only when it was registered with one (instance targets, IPs
    // outside the VPC); the controller registers pod IPs without: no empty column for them.
    ...(tg.targets.some(t => t.availabilityZone)
      ? [
          {
            title: 'AZ',
            field: 'availabilityZone',
            width: '12%',
          } as TableColumn<TargetRow>,
        ]
      : []),
    {
      title: 'State',
      field: 'state',
      width: '14%',
      render: row => <TargetStateStatus state={row.state} />,
    },
    {
      title: 'Reason',
      field: 'reasonCode',
      render: row => <ReasonCell target={row} />,
    },
  ];
  const protocolPort = [tg.protocol, tg.port].filter(Boolean).join(':');
  return (
    <>
      {tg.targetType === 'instance' && (
        <Box mb={2}>
          <WarningPanel
            severity="warning"
            title="Instance targets do not work across accounts"
            message="The load balancer is in the network account and the nodes in the workload account, so instance targets cannot be registered (aws-load-balancer-controller issue #2652). Set alb.ingress.kubernetes.io/target-type: ip on the Ingress."
          />
        </Box>
      )}
      <Table<TargetRow>
        title={`Target group ${tg.name}`}
        subtitle={[
          protocolPort,
          tg.targetType ? `target type ${tg.targetType}` : undefined,
          `health check ${describeHealthCheck(tg)}`,
          `${counts.healthy} of ${counts.total} healthy`,
          counts.leaving ? `${counts.leaving} deregistering` : undefined,
        ]
          .filter(Boolean)
          .join(' · ')}
        options={{ paging: false, search: false, padding: 'dense' }}
        columns={columns}
        data={tg.targets.map(t => ({ ...t, key: `${t.id}:${t.port ?? ''}` }))}
        emptyContent={
          <Typography variant="body2" style={{ padding: 16 }}>
            No targets are registered. The controller registers the pods of the
            Service once they are ready.
          </Typography>
        }
      />
    </>
  );
}
