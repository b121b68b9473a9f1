import { HttpAuthService } from '@backstage/backend-plugin-api';
import express, { ErrorRequestHandler } from 'express';
import Router from 'express-promise-router';
import { NotFoundError } from '@backstage/errors';
import { AwsAlbService } from './service/types';

export interface RouterOptions {
  httpAuth: HttpAuthService;
  service: AwsAlbService;
}

/** Translates HTTP to {@link AwsAlbService} calls; no logic lives here. */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { httpAuth, service } = options;
  const router = Router();

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get(
    '/v1/entity/:namespace/:kind/:name/load-balancers',
    async (req, res) => {
      const credentials = await httpAuth.credentials(req, {
        allow: ['user', 'service'],
      });
      const { namespace, kind, name } = req.params;
      const response = await service.getEntityLoadBalancers({
        entityRef: { namespace, kind, name },
        credentials,
      });
      // The backend caches; a browser or proxy cache would hide `stale` and the fresh answer.
      res.setHeader('Cache-Control', 'no-store');
      if (response.queued) {
        // Accepted: the read is queued; the body says how long to wait.
        res.setHeader(
          'Retry-After',
          String(response.queued.expectedWaitSeconds),
        );
        res.status(202);
      }
      res.json(response);
    },
  );

  router.get(
    '/v1/entity/:namespace/:kind/:name/listener-rules',
    async (req, res) => {
      const credentials = await httpAuth.credentials(req, {
        allow: ['user', 'service'],
      });
      if (!service.getEntityListenerRules) {
        throw new NotFoundError('This backend does not read listener rules');
      }
      const { namespace, kind, name } = req.params;
      const response = await service.getEntityListenerRules({
        entityRef: { namespace, kind, name },
        credentials,
      });
      res.setHeader('Cache-Control', 'no-store');
      res.json(response);
    },
  );

  router.get(
    '/v1/entity/:namespace/:kind/:name/certificates',
    async (req, res) => {
      const credentials = await httpAuth.credentials(req, {
        allow: ['user', 'service'],
      });
      if (!service.getEntityCertificates) {
        throw new NotFoundError('This backend does not read ACM certificates');
      }
      const { namespace, kind, name } = req.params;
      const response = await service.getEntityCertificates({
        entityRef: { namespace, kind, name },
        credentials,
      });
      res.setHeader('Cache-Control', 'no-store');
      res.json(response);
    },
  );

  router.get('/v1/entity/:namespace/:kind/:name/signals', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    if (!service.getEntityLoadBalancerSignals) {
      throw new NotFoundError('This backend does not read CloudWatch signals');
    }
    const { namespace, kind, name } = req.params;
    const response = await service.getEntityLoadBalancerSignals({
      entityRef: { namespace, kind, name },
      credentials,
      range: typeof req.query.range === 'string' ? req.query.range : undefined,
    });
    res.setHeader('Cache-Control', 'no-store');
    res.json(response);
  });

  // Backstage's error handler writes the body and status; it only misses Retry-After.
  const retryAfter: ErrorRequestHandler = (err, _req, res, next) => {
    const seconds = (err as { retryAfterSeconds?: unknown })?.retryAfterSeconds;
    if (typeof seconds === 'number' && !res.headersSent) {
      res.setHeader('Retry-After', String(seconds));
    }
    next(err);
  };
  router.use(retryAfter);
  return router;
}
