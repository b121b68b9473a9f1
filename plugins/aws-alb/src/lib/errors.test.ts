import { ResponseError } from '@backstage/errors';
import { errorResponse } from '../__testUtils__/fixtures';
import { classifyError } from './errors';

async function responseError(
  status: number,
  name: string,
  message: string,
  headers?: Record<string, string>,
) {
  return ResponseError.fromResponse(
    errorResponse(status, name, message, headers),
  );
}

describe('classifyError', () => {
  it('maps status codes to the states of the tab, keeping the backend message', async () => {
    await expect(
      responseError(
        404,
        'NotFoundError',
        'The controller has not created it yet',
      ),
    ).resolves.toBeDefined();
    expect(
      classifyError(
        await responseError(404, 'NotFoundError', 'not created yet'),
      ),
    ).toEqual({ kind: 'not-created', message: 'not created yet' });
    expect(
      classifyError(await responseError(400, 'InputError', 'bad tags')),
    ).toEqual({ kind: 'bad-annotation', message: 'bad tags' });
    expect(
      classifyError(
        await responseError(403, 'NotAllowedError', 'account 1 not configured'),
      ),
    ).toEqual({ kind: 'forbidden', message: 'account 1 not configured' });
    expect(classifyError(await responseError(500, 'Error', 'boom'))).toEqual({
      kind: 'other',
      message: 'boom',
    });
  });

  it('reads Retry-After of a throttled answer', async () => {
    expect(
      classifyError(
        await responseError(503, 'ServiceUnavailableError', 'throttled', {
          'Retry-After': '7',
        }),
      ),
    ).toEqual({
      kind: 'throttled',
      message: 'throttled',
      retryAfterSeconds: 7,
    });
  });

  it('keeps the message of an error that is not a response', () => {
    expect(classifyError(new TypeError('Failed to fetch'))).toEqual({
      kind: 'other',
      message: 'Failed to fetch',
    });
  });

  it('tells "not created yet" apart from other 404s', async () => {
    const missingEntity = await responseError(
      404,
      'NotFoundError',
      'Entity component:default/x was not found in the catalog, or you are not allowed to see it',
    );
    expect(classifyError(missingEntity).kind).toBe('not-found');
    const goneArn = await responseError(
      404,
      'NotFoundError',
      'No load balancer with that ARN',
    );
    expect(classifyError(goneArn, { lookupByTags: false }).kind).toBe(
      'not-found',
    );
    expect(classifyError(goneArn, { lookupByTags: true }).kind).toBe(
      'not-created',
    );
  });
});
