import { useState } from 'react';
import Button from '@material-ui/core/Button';
import Typography from '@material-ui/core/Typography';
import {
  InfoCard,
  Progress,
  Table,
  TableColumn,
  WarningPanel,
} from '@backstage/core-components';
import type { CompoundEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import type {
  AlbLoadBalancer,
  EntityListenerRulesResponse,
} from '@cross-account-alb/plugin-aws-alb-common';
import { awsAlbApiRef } from '../../api';
import { describeAction, describeRuleConditions } from '../../lib/summary';

type RuleRow = {
  id: string;
  listener: string;
  priority: string;
  conditions: string;
  actions: string;
};

/**
 * The listeners' routing rules, read only when asked for (one `DescribeRules` per listener,
 * cached by the backend): which host or path goes to which target group. For a load balancer
 * shared by an Ingress group, only the rules of this entity's Ingress.
 */
export function ListenerRulesCard(props: {
  entityRef: CompoundEntityRef;
  loadBalancers: AlbLoadBalancer[];
}) {
  const api = useApi(awsAlbApiRef);
  const [state, setState] = useState<{
    loading?: boolean;
    value?: EntityListenerRulesResponse;
    error?: Error;
  }>({});
  if (!api.getEntityListenerRules) return null;
  const load = async () => {
    setState({ loading: true });
    try {
      setState({ value: await api.getEntityListenerRules!(props.entityRef) });
    } catch (error) {
      setState({ error: error as Error });
    }
  };
  const targetGroups = props.loadBalancers.flatMap(lb => lb.targetGroups);
  const rows: RuleRow[] = (state.value?.listeners ?? []).flatMap(l =>
    l.rules.map(r => ({
      id: r.arn,
      listener: `${l.protocol ?? ''} ${l.port ?? ''}`.trim(),
      priority: r.isDefault ? 'default' : r.priority,
      conditions: r.isDefault
        ? 'Anything no other rule matches'
        : describeRuleConditions(r.conditions),
      actions: r.actions
        .map(a => describeAction(a, targetGroups))
        .join(', then '),
    })),
  );
  const hidden = (state.value?.listeners ?? []).reduce(
    (sum, l) => sum + (l.otherIngressRules ?? 0),
    0,
  );
  const columns: TableColumn<RuleRow>[] = [
    { title: 'Listener', field: 'listener', width: '12%' },
    { title: 'Priority', field: 'priority', width: '10%' },
    { title: 'When', field: 'conditions' },
    { title: 'Then', field: 'actions' },
  ];
  if (!state.value) {
    return (
      <InfoCard title="Listener rules" variant="gridItem">
        {state.loading && <Progress />}
        {state.error && (
          <WarningPanel
            severity="warning"
            title="Could not read the listener rules"
            message={state.error.message}
          />
        )}
        <Typography variant="body2" paragraph>
          Which host or path goes to which target group. Read from AWS when you
          ask.
        </Typography>
        <Button
          variant="outlined"
          color="primary"
          disabled={state.loading}
          onClick={load}
        >
          Show listener rules
        </Button>
      </InfoCard>
    );
  }
  return (
    <Table<RuleRow>
      title="Listener rules"
      subtitle={
        hidden
          ? `${hidden} rule${
              hidden === 1 ? '' : 's'
            } of the group's other Ingresses not shown`
          : undefined
      }
      options={{ paging: false, search: false, padding: 'dense' }}
      columns={columns}
      data={rows}
      emptyContent={
        <Typography variant="body2" style={{ padding: 16 }}>
          No rules.
        </Typography>
      }
    />
  );
}
