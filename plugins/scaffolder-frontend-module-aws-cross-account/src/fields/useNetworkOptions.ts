import { identityApiRef, useApi } from '@backstage/core-plugin-api';
import { scaffolderApiRef } from '@backstage/plugin-scaffolder-react';
import { useEffect, useState } from 'react';

/** The provider the scaffolder backend module registers. */
export const NETWORK_AUTOCOMPLETE_PROVIDER = 'aws-cross-account';

/** What the provider lists. */
export type NetworkResource =
  | 'vpcs'
  | 'public-subnets'
  | 'private-subnets'
  | 'hosted-zones';

type Results = { results: { id: string; title?: string }[] };

/** How long a list read for one context is shared by the fields that ask for it. */
const SHARED_FOR_MS = 30_000;

/**
 * Reads in flight or just answered, per scaffolder API (so per app), by resource and context:
 * two fields that show one list (the zone picker and the zone's name) make one request.
 * A failed read is not kept, so the next field or context change asks again.
 */
const sharedReads = new WeakMap<
  object,
  Map<string, { at: number; read: Promise<Results> }>
>();

function sharedRead(
  api: object,
  key: string,
  read: () => Promise<Results>,
): Promise<Results> {
  let reads = sharedReads.get(api);
  if (!reads) {
    reads = new Map();
    sharedReads.set(api, reads);
  }
  const now = Date.now();
  const kept = reads.get(key);
  if (kept && now - kept.at < SHARED_FOR_MS) return kept.read;
  const entry = { at: now, read: read() };
  reads.set(key, entry);
  entry.read.catch(() => {
    if (reads!.get(key) === entry) reads!.delete(key);
  });
  return entry.read;
}

export interface NetworkOption {
  id: string;
  title: string;
}

export interface NetworkOptions {
  options: NetworkOption[];
  loading: boolean;
  /** Why the list could not be read; the field then takes a typed ID. */
  error?: string;
}

/**
 * Reads `resource` from the `aws-cross-account` autocomplete provider for `context`, again
 * whenever the context changes (after a short pause, as the user may still be typing it).
 * Nothing is read while `context` is undefined (a field it depends on is still empty).
 */
export function useNetworkOptions(
  resource: NetworkResource,
  context: Record<string, string> | undefined,
): NetworkOptions {
  const scaffolderApi = useApi(scaffolderApiRef);
  const identityApi = useApi(identityApiRef);
  const [state, setState] = useState<NetworkOptions>({
    options: [],
    loading: false,
  });
  const key = context ? JSON.stringify(context) : undefined;

  useEffect(() => {
    if (!key) {
      setState({ options: [], loading: false });
      return undefined;
    }
    if (!scaffolderApi.autocomplete) {
      setState({
        options: [],
        loading: false,
        error: 'this portal has no autocomplete support',
      });
      return undefined;
    }
    let current = true;
    setState(previous => ({ ...previous, loading: true, error: undefined }));
    const timer = setTimeout(() => {
      // The scaffolder's route passes providers only this token (it was made for SCM
      // tokens); the provider reads AWS with the portal's own role, so it verifies the
      // user's Backstage token and checks the user may run the template using the field.
      sharedRead(scaffolderApi, `${resource} ${key}`, () =>
        identityApi.getCredentials().then(({ token }) =>
          scaffolderApi.autocomplete!({
            token: token ?? '',
            provider: NETWORK_AUTOCOMPLETE_PROVIDER,
            resource,
            context: JSON.parse(key),
          }),
        ),
      )
        .then(({ results }) => {
          if (current) {
            setState({
              options: results.map(r => ({ id: r.id, title: r.title ?? r.id })),
              loading: false,
            });
          }
        })
        .catch((error: Error & { body?: { error?: { message?: string } } }) => {
          if (current) {
            // A refusal's reason is in the response body (e.g. the 403 of a user who may
            // not use the pickers); the error's own message is only the status.
            const reason = error.body?.error?.message ?? error.message;
            setState({ options: [], loading: false, error: reason });
          }
        });
    }, 300);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [key, resource, scaffolderApi, identityApi]);

  return state;
}

/** A listed option, or an ID the user typed. */
export type NetworkChoice = NetworkOption | string;

export const choiceId = (c: NetworkChoice) =>
  typeof c === 'string' ? c : c.id;
export const choiceLabel = (c: NetworkChoice) =>
  typeof c === 'string' ? c : c.title;
export const sameChoice = (a: NetworkChoice, b: NetworkChoice) =>
  choiceId(a) === choiceId(b);

/** The form's value of another field, if it is a non-empty string. */
export function formValue(
  formContext: { formData?: Record<string, unknown> } | undefined,
  field: string,
): string | undefined {
  const value = formContext?.formData?.[field];
  return typeof value === 'string' && value ? value : undefined;
}
