import Box from '@material-ui/core/Box';
import Grid from '@material-ui/core/Grid';
import IconButton from '@material-ui/core/IconButton';
import Tooltip from '@material-ui/core/Tooltip';
import Typography from '@material-ui/core/Typography';
import RefreshIcon from '@material-ui/icons/Refresh';
import { InfoCard } from '@backstage/core-components';
import type { AlbLoadBalancer } from '@cross-account-alb/plugin-aws-alb-common';
import { summarizeHealth } from '../../lib/summary';
import {
  LoadBalancerStateStatus,
  OverallStatusLabel,
} from '../shared/StatusLabels';

function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

function Field(props: { label: string; children: React.ReactNode }) {
  return (
    <Grid item xs={12} sm={6} md={3}>
      <Typography variant="overline" color="textSecondary" component="div">
        {props.label}
      </Typography>
      <Box fontSize="h6.fontSize">{props.children}</Box>
    </Grid>
  );
}

/** Status at a glance: overall status, healthy/total, ALB state, last update, refresh. */
/** `read 85 s ago`, `read 3 min ago`. */
export function formatAge(seconds: number): string {
  if (seconds < 5) return 'read just now';
  if (seconds < 120) return `read ${seconds} s ago`;
  return `read ${Math.round(seconds / 60)} min ago`;
}

export function HealthSummaryCard(props: {
  loadBalancers: AlbLoadBalancer[];
  fetchedAt: string;
  /** Age of the answer when the backend gave it, by the backend's clock. */
  ageSeconds?: number;
  loading: boolean;
  onRefresh: () => void;
  refreshIntervalSeconds?: number;
}) {
  const { loadBalancers, fetchedAt, ageSeconds, loading, onRefresh } = props;
  const summary = summarizeHealth(loadBalancers);
  const interval = props.refreshIntervalSeconds;
  return (
    <InfoCard
      title="Load balancer health"
      action={
        <Tooltip title="Refresh">
          <span>
            <IconButton
              aria-label="Refresh"
              onClick={onRefresh}
              disabled={loading}
            >
              <RefreshIcon />
            </IconButton>
          </span>
        </Tooltip>
      }
    >
      <Grid container spacing={2}>
        <Field label="Status">
          <span data-testid="alb-overall-status">
            <OverallStatusLabel status={summary.status} />
          </span>
        </Field>
        <Field label="Healthy targets">
          <Typography
            variant="h5"
            component="span"
            data-testid="alb-healthy-count"
          >
            {summary.healthy} / {summary.total}
          </Typography>
        </Field>
        <Field label={loadBalancers.length > 1 ? 'ALB states' : 'ALB state'}>
          {loadBalancers.map(lb => (
            <div key={lb.arn}>
              <LoadBalancerStateStatus state={lb.state} />
            </div>
          ))}
        </Field>
        <Field label="Last updated">
          <Typography variant="body1" component="span">
            {formatTime(fetchedAt)}
          </Typography>
          {ageSeconds !== undefined ? (
            <Typography variant="caption" color="textSecondary" component="div">
              {formatAge(ageSeconds)}
            </Typography>
          ) : null}
          {interval ? (
            <Typography variant="caption" color="textSecondary" component="div">
              Refreshes every {interval} s
            </Typography>
          ) : null}
        </Field>
        <Grid item xs={12}>
          <Typography variant="body2" color="textSecondary">
            {summary.detail}
          </Typography>
        </Grid>
      </Grid>
    </InfoCard>
  );
}
