import { useEffect, useState } from 'react';
import Box from '@material-ui/core/Box';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import { useTheme } from '@material-ui/core/styles';
import ToggleButton from '@material-ui/lab/ToggleButton';
import ToggleButtonGroup from '@material-ui/lab/ToggleButtonGroup';
import {
  InfoCard,
  Progress,
  StatusError,
  StatusOK,
  StatusPending,
  WarningPanel,
} from '@backstage/core-components';
import type { CompoundEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import type {
  AlbLoadBalancerSignals,
  AlbSignalSeries,
  AlbSignalsRange,
  EntityLoadBalancerSignalsResponse,
} from '@cross-account-alb/plugin-aws-alb-common';
import {
  CartesianGrid,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { awsAlbApiRef } from '../../api';
import { classifyError } from '../../lib/errors';

const RANGES: AlbSignalsRange[] = ['1h', '3h', '24h', '7d'];

const fmt = {
  count: (v?: number) => (v === undefined ? '—' : Math.round(v).toString()),
  percent: (v?: number) => (v === undefined ? '—' : `${v.toFixed(1)} %`),
  ms: (v?: number) =>
    v === undefined ? '—' : `${Math.round(v * 1000).toString()} ms`,
};

function time(t: string, range: AlbSignalsRange) {
  const d = new Date(t);
  return range === '7d'
    ? d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })
    : d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

/** One small chart of one or two series. */
function Chart(props: {
  title: string;
  current: string;
  range: AlbSignalsRange;
  series: Array<{ name: string; data: AlbSignalSeries; color: string }>;
  scale?: (v: number) => number;
  testId: string;
}) {
  const theme = useTheme();
  const scale = props.scale ?? ((v: number) => v);
  const byTime = new Map<string, Record<string, number | string>>();
  for (const s of props.series) {
    for (const p of s.data.points) {
      const row = byTime.get(p.t) ?? { t: p.t };
      row[s.name] = scale(p.v);
      byTime.set(p.t, row);
    }
  }
  const rows = [...byTime.values()].sort((a, b) =>
    String(a.t).localeCompare(String(b.t)),
  );
  return (
    <Box data-testid={props.testId}>
      <Typography variant="overline" color="textSecondary">
        {props.title}
      </Typography>
      <Typography variant="h6">{props.current}</Typography>
      <ResponsiveContainer width="100%" height={120}>
        <LineChart
          data={rows}
          margin={{ top: 4, right: 8, bottom: 0, left: 0 }}
        >
          <CartesianGrid strokeDasharray="3 3" stroke={theme.palette.divider} />
          <XAxis
            dataKey="t"
            tickFormatter={t => time(String(t), props.range)}
            stroke={theme.palette.text.secondary}
            fontSize={11}
            minTickGap={24}
          />
          <YAxis
            stroke={theme.palette.text.secondary}
            fontSize={11}
            width={40}
          />
          <Tooltip
            labelFormatter={t => new Date(String(t)).toLocaleString()}
            contentStyle={{
              background: theme.palette.background.paper,
              color: theme.palette.text.primary,
            }}
          />
          {props.series.map(s => (
            <Line
              key={s.name}
              type="monotone"
              dataKey={s.name}
              stroke={s.color}
              dot={false}
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </Box>
  );
}

function SignalsStatus(props: { signals: AlbLoadBalancerSignals }) {
  const { status, statusReason } = props.signals;
  if (status === 'degraded') return <StatusError>{statusReason}</StatusError>;
  if (status === 'no-traffic')
    return <StatusPending>No traffic yet: {statusReason}</StatusPending>;
  return <StatusOK>{statusReason}</StatusOK>;
}

function LoadBalancerSignals(props: {
  signals: AlbLoadBalancerSignals;
  range: AlbSignalsRange;
}) {
  const theme = useTheme();
  const s = props.signals;
  const failing = s.targetGroups.filter(tg => (tg.unhealthy.current ?? 0) > 0);
  return (
    <Box mb={2}>
      <Box mb={1}>
        <SignalsStatus signals={s} />
      </Box>
      <Grid container spacing={2}>
        <Grid item xs={12} md={6} lg={3}>
          <Chart
            testId="alb-signal-requests"
            title="Requests per period"
            current={fmt.count(s.requests.current)}
            range={props.range}
            series={[
              {
                name: 'requests',
                data: s.requests,
                color: theme.palette.primary.main,
              },
            ]}
          />
        </Grid>
        <Grid item xs={12} md={6} lg={3}>
          <Chart
            testId="alb-signal-errors"
            title="5xx rate"
            current={fmt.percent(s.errorRatePercent.current)}
            range={props.range}
            series={[
              {
                name: '5xx %',
                data: s.errorRatePercent,
                color: theme.palette.error.main,
              },
            ]}
          />
        </Grid>
        <Grid item xs={12} md={6} lg={3}>
          <Chart
            testId="alb-signal-latency"
            title="Response time p50 / p99"
            current={`${fmt.ms(s.p50Seconds.current)} / ${fmt.ms(
              s.p99Seconds.current,
            )}`}
            range={props.range}
            scale={v => Math.round(v * 1000)}
            series={[
              {
                name: 'p50 ms',
                data: s.p50Seconds,
                color: theme.palette.info.main,
              },
              {
                name: 'p99 ms',
                data: s.p99Seconds,
                color: theme.palette.warning.main,
              },
            ]}
          />
        </Grid>
        <Grid item xs={12} md={6} lg={3}>
          <Chart
            testId="alb-signal-hosts"
            title="Unhealthy hosts"
            current={
              failing.length
                ? failing
                    .map(tg => `${tg.name}: ${fmt.count(tg.unhealthy.current)}`)
                    .join(', ')
                : 'none'
            }
            range={props.range}
            series={s.targetGroups.map((tg, i) => ({
              name: tg.name,
              data: tg.unhealthy,
              color:
                (tg.unhealthy.current ?? 0) > 0
                  ? theme.palette.error.main
                  : [theme.palette.success.main, theme.palette.info.main][
                      i % 2
                    ],
            }))}
          />
        </Grid>
      </Grid>
    </Box>
  );
}

/**
 * Golden signals from CloudWatch in the load balancer's account: requests, 5xx rate,
 * response time and unhealthy hosts over a range, with a status. Read separately from the
 * health, so a throttled or denied CloudWatch read leaves the rest of the tab as it is.
 */
export function SignalsCard(props: { entityRef: CompoundEntityRef }) {
  const api = useApi(awsAlbApiRef);
  const [range, setRange] = useState<AlbSignalsRange>('3h');
  const [state, setState] = useState<{
    loading: boolean;
    value?: EntityLoadBalancerSignalsResponse;
    error?: Error;
  }>({ loading: true });
  const { namespace, kind, name } = props.entityRef;
  useEffect(() => {
    if (!api.getEntityLoadBalancerSignals) return undefined;
    const controller = new AbortController();
    // Another range: the old range's charts would read as this one's, so they go.
    setState({ loading: true });
    api
      .getEntityLoadBalancerSignals(
        { namespace, kind, name },
        { range, signal: controller.signal },
      )
      .then(
        value => setState({ loading: false, value }),
        error => {
          if (!controller.signal.aborted) {
            setState(s => ({ ...s, loading: false, error }));
          }
        },
      );
    return () => controller.abort();
  }, [api, namespace, kind, name, range]);
  if (!api.getEntityLoadBalancerSignals) return null;
  return (
    <InfoCard
      title="Golden signals"
      subheader="CloudWatch, in the load balancer's account"
      action={
        <ToggleButtonGroup
          size="small"
          exclusive
          value={range}
          onChange={(_e, value) => value && setRange(value)}
          aria-label="Time range"
        >
          {RANGES.map(r => (
            <ToggleButton key={r} value={r} aria-label={r}>
              {r}
            </ToggleButton>
          ))}
        </ToggleButtonGroup>
      }
    >
      {state.loading && !state.value && <Progress />}
      {state.error && (
        <WarningPanel
          severity="warning"
          title="The signals could not be read from CloudWatch"
          message={`${
            // The backend's reason (e.g. which role lacks cloudwatch:GetMetricData), not the
            // client's "Request failed with 403".
            classifyError(state.error).message
          } The load balancer's health above is read separately and is current.`}
        />
      )}
      {state.value?.loadBalancers.map(s => (
        <LoadBalancerSignals
          key={s.loadBalancerArn}
          signals={s}
          range={state.value!.range}
        />
      ))}
    </InfoCard>
  );
}
