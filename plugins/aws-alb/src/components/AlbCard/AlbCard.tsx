import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import { getCompoundEntityRef } from '@backstage/catalog-model';
import { InfoCard, Link, Progress } from '@backstage/core-components';
import { useEntity } from '@backstage/plugin-catalog-react';
import { useEntityLoadBalancers } from '../../hooks/useEntityLoadBalancers';
import { isLookupByTags, missingAlbAnnotations } from '../../lib/annotations';
import { classifyError } from '../../lib/errors';
import { loadBalancerUrl, summarizeHealth } from '../../lib/summary';
import { OverallStatusLabel } from '../shared/StatusLabels';

function CardBody() {
  const { entity } = useEntity();
  const { loading, value, error } = useEntityLoadBalancers(
    getCompoundEntityRef(entity),
  );
  if (!value && loading) {
    return <Progress />;
  }
  if (error && !value) {
    const classified = classifyError(error, {
      lookupByTags: isLookupByTags(entity),
    });
    return (
      <Typography
        variant="body2"
        color={classified.kind === 'not-created' ? 'textPrimary' : 'error'}
      >
        {classified.kind === 'not-created'
          ? 'The load balancer has not been created yet. The AWS Load Balancer Controller creates it from the Ingress.'
          : classified.message}
      </Typography>
    );
  }
  if (value?.queued) {
    return (
      <Typography variant="body2">
        Queued: not read yet, expected in about{' '}
        {value.queued.expectedWaitSeconds} s.
      </Typography>
    );
  }
  if (!value || value.loadBalancers.length === 0) {
    return (
      <Typography variant="body2">
        The load balancer has not been created yet. The AWS Load Balancer
        Controller creates it from the Ingress.
      </Typography>
    );
  }
  const summary = summarizeHealth(value.loadBalancers);
  return (
    <Grid container spacing={1}>
      <Grid item xs={6}>
        <Typography variant="overline" color="textSecondary" component="div">
          Status
        </Typography>
        <OverallStatusLabel status={summary.status} />
      </Grid>
      <Grid item xs={6}>
        <Typography variant="overline" color="textSecondary" component="div">
          Healthy targets
        </Typography>
        <Typography variant="body1">
          {summary.healthy} / {summary.total}
        </Typography>
      </Grid>
      {value.loadBalancers.map(lb => {
        const url = loadBalancerUrl(lb);
        return (
          <Grid item xs={12} key={lb.arn}>
            <Typography
              variant="overline"
              color="textSecondary"
              component="div"
            >
              {lb.name}
            </Typography>
            {url ? (
              <Link to={url} externalLinkIcon>
                {lb.dnsName}
              </Link>
            ) : (
              '—'
            )}
          </Grid>
        );
      })}
      {value.stale && (
        <Grid item xs={12}>
          <Typography variant="caption" color="textSecondary">
            Data from {new Date(value.fetchedAt).toLocaleString()}:{' '}
            {value.staleReason ?? 'AWS could not be read.'}
          </Typography>
        </Grid>
      )}
      <Grid item xs={12}>
        <Typography variant="body2" color="textSecondary">
          {summary.detail}
        </Typography>
      </Grid>
    </Grid>
  );
}

/**
 * A small card for the entity overview: overall status, healthy targets and the DNS name.
 *
 * @public
 */
export function AlbCard() {
  const { entity } = useEntity();
  const missing = missingAlbAnnotations(entity);
  return (
    <InfoCard title="Load balancer" variant="gridItem">
      {missing.length > 0 ? (
        <Typography variant="body2">
          Add the annotations {missing.join(', ')} to show the load balancer of
          this entity.
        </Typography>
      ) : (
        <CardBody />
      )}
    </InfoCard>
  );
}
