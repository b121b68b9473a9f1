import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Typography from '@material-ui/core/Typography';
import type { Entity } from '@backstage/catalog-model';
import {
  CodeSnippet,
  EmptyState,
  InfoCard,
  ResponseErrorPanel,
  WarningPanel,
} from '@backstage/core-components';
import { MissingAnnotationEmptyState } from '@backstage/plugin-catalog-react';
import { albTagsOf, exampleAnnotationsYaml } from '../../lib/annotations';
import type { ClassifiedError } from '../../lib/errors';
import { MAX_AUTO_RETRY_SECONDS } from '../../hooks/useEntityLoadBalancers';

/** Shown when the entity lacks the annotations: which ones, and the exact YAML. */
export function MissingAlbAnnotation(props: {
  entity: Entity;
  missing: string[];
}) {
  return (
    <>
      <MissingAnnotationEmptyState annotation={props.missing} />
      <InfoCard title="Annotations for a cross-account ALB">
        <Typography variant="body2" paragraph>
          Add these lines to the entity&apos;s catalog-info.yaml. The tags are
          the ones the AWS Load Balancer Controller puts on the ALB it creates
          for the Ingress, so they work before the ALB exists.
        </Typography>
        <CodeSnippet
          text={exampleAnnotationsYaml(props.entity)}
          language="yaml"
          showCopyCodeButton
        />
      </InfoCard>
    </>
  );
}

/** Shown when the backend found no ALB with the entity's tags. */
export function AlbNotCreatedState(props: {
  entity: Entity;
  message?: string;
  onRefresh: () => void;
}) {
  const tags = albTagsOf(props.entity);
  return (
    <EmptyState
      missing="info"
      title="The load balancer has not been created yet"
      description="The AWS Load Balancer Controller in the cluster creates the ALB in the network account when it reconciles the Ingress. This usually takes a few minutes after the Ingress is applied."
      action={
        <>
          {props.message && (
            <Typography variant="body1" paragraph>
              {props.message}
            </Typography>
          )}
          {tags.length > 0 && (
            <Typography variant="body2" paragraph>
              Searched for an ALB tagged{' '}
              {tags.map(tag => (
                <code key={tag} style={{ marginRight: 8 }}>
                  {tag}
                </code>
              ))}
            </Typography>
          )}
          <Typography variant="body2" component="div">
            If it does not appear, check:
            <ul>
              <li>
                the Ingress has <code>spec.ingressClassName: alb</code>;
              </li>
              <li>
                <code>kubectl describe ingress</code> for events from the
                controller;
              </li>
              <li>
                the controller logs:{' '}
                <code>
                  kubectl logs -n kube-system
                  deploy/aws-load-balancer-controller
                </code>{' '}
                (AccessDenied means the role in the network account lacks a
                permission);
              </li>
              <li>
                the Ingress annotations{' '}
                <code>alb.ingress.kubernetes.io/subnets</code> (public subnet
                IDs in two AZs) and{' '}
                <code>alb.ingress.kubernetes.io/security-groups</code> (an ID):
                in a shared VPC the controller can neither discover subnets by
                tag nor create its own security group.
              </li>
            </ul>
          </Typography>
          <Button variant="contained" color="primary" onClick={props.onRefresh}>
            Check again
          </Button>
        </>
      }
    />
  );
}

/**
 * Nothing has been read for this entity yet and the portal's AWS budget is in use: the read
 * is queued (the backend reads it before entities nobody looks at). Not an error.
 */
export function AlbQueuedState(props: {
  expectedWaitSeconds: number;
  onRefresh: () => void;
}) {
  return (
    <InfoCard title="Queued">
      <Box display="flex" flexDirection="column" style={{ gap: 8 }}>
        <Typography variant="body1">
          This load balancer has not been read yet and the portal&apos;s AWS
          call budget is in use: the read is queued, expected in about{' '}
          {props.expectedWaitSeconds} s.
        </Typography>
        <Typography variant="body2" color="textSecondary">
          The page asks again by itself. The budget is shared by all of the
          portal&apos;s backends and with the AWS Load Balancer Controller.
        </Typography>
        <Box>
          <Button variant="outlined" onClick={props.onRefresh}>
            Check now
          </Button>
        </Box>
      </Box>
    </InfoCard>
  );
}

const ERROR_TITLES: Record<
  Exclude<ClassifiedError['kind'], 'not-created'>,
  string
> = {
  'not-found': 'Not found',
  'bad-annotation': 'The ALB annotations of this entity are not valid',
  forbidden: 'Backstage may not read this load balancer',
  throttled: 'AWS is throttling requests',
  other: 'Could not load the load balancer',
};

function describeRetry(seconds?: number): string {
  if (seconds === undefined) {
    return 'Try again in a moment.';
  }
  return seconds <= MAX_AUTO_RETRY_SECONDS
    ? `Retrying by itself in ${seconds} seconds.`
    : `Try again in ${seconds} seconds.`;
}

/** A failed request, with the backend's message, which says what to do. */
export function AlbErrorPanel(props: {
  error: Error;
  classified: ClassifiedError;
  onRetry: () => void;
}) {
  const { error, classified, onRetry } = props;
  if (classified.kind === 'other') {
    return <ResponseErrorPanel error={error} />;
  }
  const title =
    classified.kind === 'not-created'
      ? 'The load balancer has not been created yet'
      : ERROR_TITLES[classified.kind];
  return (
    <WarningPanel
      severity={classified.kind === 'throttled' ? 'warning' : 'error'}
      title={title}
      defaultExpanded
      message={classified.message}
    >
      {classified.kind === 'throttled' && (
        <Typography variant="body2">
          {describeRetry(classified.retryAfterSeconds)}
        </Typography>
      )}
      <Box mt={1}>
        <Button size="small" variant="outlined" onClick={onRetry}>
          Retry
        </Button>
      </Box>
    </WarningPanel>
  );
}
