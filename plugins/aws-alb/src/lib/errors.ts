import { ResponseError } from '@backstage/errors';

/** How the tab shows a failed request. */
export type AlbErrorKind =
  | 'not-created'
  | 'not-found'
  | 'bad-annotation'
  | 'forbidden'
  | 'throttled'
  | 'other';

export interface ClassifiedError {
  kind: AlbErrorKind;
  /** The backend's own message, which says what to do. */
  message: string;
  /** For `throttled`: seconds the backend asked to wait. */
  retryAfterSeconds?: number;
}

function retryAfter(error: ResponseError): number | undefined {
  const header = error.response.headers.get('retry-after');
  if (!header) {
    return undefined;
  }
  const seconds = Number(header);
  if (Number.isFinite(seconds)) {
    return Math.max(0, Math.ceil(seconds));
  }
  const date = Date.parse(header);
  return Number.isNaN(date)
    ? undefined
    : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/**
 * Maps a backend error to the state the tab shows. A 404 means "not created yet" only for an
 * entity found by the controller's tags: with an ARN the ALB was deleted or the ARN is wrong,
 * and a 404 naming the entity means the user may not see it in the catalog.
 */
export function classifyError(
  error: Error,
  options: { lookupByTags: boolean } = { lookupByTags: true },
): ClassifiedError {
  if (!ResponseError.is(error)) {
    return { kind: 'other', message: error.message };
  }
  const message =
    error.body?.error?.message ?? error.cause?.message ?? error.message;
  switch (error.statusCode) {
    case 400:
      return { kind: 'bad-annotation', message };
    case 403:
      return { kind: 'forbidden', message };
    case 404:
      return options.lookupByTags && !/^Entity /.test(message)
        ? { kind: 'not-created', message }
        : { kind: 'not-found', message };
    case 429:
    case 503:
      return {
        kind: 'throttled',
        message,
        retryAfterSeconds: retryAfter(error),
      };
    default:
      return { kind: 'other', message };
  }
}
