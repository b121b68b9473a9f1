import { Fragment } from 'react';
import Grid from '@material-ui/core/Grid';
import { getCompoundEntityRef } from '@backstage/catalog-model';
import { Progress, WarningPanel } from '@backstage/core-components';
import { configApiRef, useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import {
  effectiveRefreshInterval,
  useEntityLoadBalancers,
} from '../../hooks/useEntityLoadBalancers';
import { isLookupByTags, missingAlbAnnotations } from '../../lib/annotations';
import { classifyError } from '../../lib/errors';
import {
  AlbErrorPanel,
  AlbNotCreatedState,
  AlbQueuedState,
  MissingAlbAnnotation,
} from '../shared/States';
import { ListenerRulesCard } from './ListenerRulesCard';
import { SignalsCard } from './SignalsCard';
import { HealthSummaryCard } from './HealthSummaryCard';
import { TargetPodsErrorNote, TargetPodsProvider } from './TargetPods';
import {
  ListenersCard,
  LoadBalancerDetailsCard,
  TargetGroupCard,
} from './LoadBalancerDetails';

/** Config key of the auto-refresh interval. */
export const REFRESH_INTERVAL_CONFIG_KEY =
  'awsAlb.frontend.refreshIntervalSeconds';

function useRefreshInterval(): number | undefined {
  const config = useApi(configApiRef);
  return config.getOptionalNumber(REFRESH_INTERVAL_CONFIG_KEY);
}

function AlbContentBody() {
  const { entity } = useEntity();
  const interval = useRefreshInterval();
  const { loading, value, error, refresh } = useEntityLoadBalancers(
    getCompoundEntityRef(entity),
    interval,
  );

  if (!value && loading) {
    return <Progress />;
  }
  const classified = error
    ? classifyError(error, { lookupByTags: isLookupByTags(entity) })
    : undefined;
  if (value?.queued && !error) {
    return (
      <AlbQueuedState
        expectedWaitSeconds={value.queued.expectedWaitSeconds}
        onRefresh={refresh}
      />
    );
  }
  if (
    classified?.kind === 'not-created' ||
    (!error && value && value.loadBalancers.length === 0)
  ) {
    return (
      <AlbNotCreatedState
        entity={entity}
        message={classified?.message}
        onRefresh={refresh}
      />
    );
  }
  if (error && classified && !value) {
    return (
      <AlbErrorPanel error={error} classified={classified} onRetry={refresh} />
    );
  }
  if (!value) {
    return null;
  }

  return (
    <TargetPodsProvider
      entity={entity}
      refreshIntervalSeconds={effectiveRefreshInterval(interval)}
    >
      <Grid container spacing={3} alignItems="stretch">
        {value.stale && (
          <Grid item xs={12}>
            <WarningPanel
              severity="warning"
              defaultExpanded
              title={`Showing data read from AWS at ${new Date(
                value.fetchedAt,
              ).toLocaleString()}: the latest read failed`}
              message={value.staleReason ?? 'AWS could not be read.'}
            />
          </Grid>
        )}
        {error && classified && (
          <Grid item xs={12}>
            <AlbErrorPanel
              error={error}
              classified={classified}
              onRetry={refresh}
            />
          </Grid>
        )}
        {value.listenersPending && (
          <Grid item xs={12}>
            <WarningPanel
              severity="info"
              title="Listeners not read yet"
              message="Target health is read first for every entity after the portal starts; the listeners follow within minutes."
            />
          </Grid>
        )}
        <Grid item xs={12}>
          <HealthSummaryCard
            loadBalancers={value.loadBalancers}
            fetchedAt={value.fetchedAt}
            ageSeconds={value.ageSeconds}
            loading={loading}
            onRefresh={refresh}
            refreshIntervalSeconds={effectiveRefreshInterval(interval)}
          />
        </Grid>
        <Grid item xs={12}>
          <SignalsCard entityRef={getCompoundEntityRef(entity)} />
        </Grid>
        <Grid item xs={12}>
          <TargetPodsErrorNote />
        </Grid>
        {value.loadBalancers.map(lb => (
          <Fragment key={lb.arn}>
            <Grid item xs={12} md={6}>
              <LoadBalancerDetailsCard lb={lb} />
            </Grid>
            <Grid item xs={12} md={6}>
              <ListenersCard lb={lb} entityRef={getCompoundEntityRef(entity)} />
            </Grid>
            {lb.targetGroups.map(tg => (
              <Grid item xs={12} key={tg.arn}>
                <TargetGroupCard tg={tg} />
              </Grid>
            ))}
          </Fragment>
        ))}
        <Grid item xs={12}>
          <ListenerRulesCard
            entityRef={getCompoundEntityRef(entity)}
            loadBalancers={value.loadBalancers}
          />
        </Grid>
      </Grid>
    </TargetPodsProvider>
  );
}

/**
 * The load balancer tab of an entity page.
 *
 * @public
 */
export function AlbContent() {
  const { entity } = useEntity();
  const missing = missingAlbAnnotations(entity);
  if (missing.length > 0) {
    return <MissingAlbAnnotation entity={entity} missing={missing} />;
  }
  return <AlbContentBody />;
}
