/**
 * A small evaluator of IAM role trust policies for `sts:AssumeRoleWithWebIdentity`, enough to
 * check that an IRSA role admits exactly the service account it was made for. It covers what
 * such policies use (Allow and Deny statements, the Federated principal, StringEquals and
 * StringLike on `<issuer>:sub` and `<issuer>:aud`) and fails closed on anything else.
 */

/** The web identity token presented to STS, reduced to what trust policies can test. */
export interface WebIdentityToken {
  /** The IAM OIDC provider STS matched the token's issuer to. */
  providerArn: string;
  /** `iss` claim, e.g. `https://oidc.eks.us-east-1.amazonaws.com/id/…`. */
  issuer: string;
  /** `sub` claim, e.g. `system:serviceaccount:kube-system:aws-load-balancer-controller`. */
  subject: string;
  /** `aud` claim. */
  audience: string;
}

export interface TrustDecision {
  allowed: boolean;
  reason: string;
}

interface Statement {
  Effect?: string;
  Principal?: unknown;
  Action?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

const ACTION = 'sts:AssumeRoleWithWebIdentity';

function list(value: unknown): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

function glob(pattern: string, value: string): boolean {
  const wildcards: Record<string, string> = { '*': '.*', '?': '.' };
  const source = pattern
    .split('')
    .map(ch => wildcards[ch] ?? ch.replace(/[.+^${}()|[\]\\]/g, '\\$&'))
    .join('');
  return new RegExp(`^${source}$`).test(value);
}

function actionMatches(actions: string[]): boolean {
  return actions.some(a => a === '*' || glob(a, ACTION));
}

function principalMatches(principal: unknown, providerArn: string): boolean {
  if (principal === '*') return true;
  if (!principal || typeof principal !== 'object') return false;
  return list((principal as { Federated?: unknown }).Federated).includes(
    providerArn,
  );
}

/** The context keys IAM sets for a web identity token of this issuer. */
function contextKeys(token: WebIdentityToken): Record<string, string> {
  const host = token.issuer.replace(/^https:\/\//, '');
  return {
    [`${host}:sub`]: token.subject,
    [`${host}:aud`]: token.audience,
    [`${host}:amr`]: '',
  };
}

function conditionsHold(
  condition: Statement['Condition'],
  keys: Record<string, string>,
): { holds: boolean; why: string } {
  for (const [operator, tests] of Object.entries(condition ?? {})) {
    for (const [key, expected] of Object.entries(tests)) {
      const actual = keys[key];
      const wanted = list(expected);
      let ok: boolean;
      if (operator === 'StringEquals') {
        ok = actual !== undefined && wanted.includes(actual);
      } else if (operator === 'StringLike') {
        ok = actual !== undefined && wanted.some(w => glob(w, actual));
      } else {
        return { holds: false, why: `unsupported operator ${operator}` };
      }
      if (!ok) {
        return {
          holds: false,
          why: `${operator} ${key}: ${
            actual ?? '(absent)'
          } is not ${wanted.join(' or ')}`,
        };
      }
    }
  }
  return { holds: true, why: 'conditions hold' };
}

/** Whether STS would let the token assume the role, judged from its trust policy alone. */
export function evaluateWebIdentityTrust(
  policy: unknown,
  token: WebIdentityToken,
): TrustDecision {
  const all = ((policy as { Statement?: unknown })?.Statement ?? []) as
    | Statement
    | Statement[];
  const keys = contextKeys(token);
  let allowedBy: string | undefined;
  const refusals: string[] = [];
  for (const [i, s] of (Array.isArray(all) ? all : [all]).entries()) {
    if (!actionMatches(list(s.Action))) {
      refusals.push(`statement ${i}: action`);
      continue;
    }
    if (!principalMatches(s.Principal, token.providerArn)) {
      refusals.push(`statement ${i}: principal is not ${token.providerArn}`);
      continue;
    }
    const { holds, why } = conditionsHold(s.Condition, keys);
    if (!holds) {
      refusals.push(`statement ${i}: ${why}`);
      continue;
    }
    if (s.Effect === 'Deny') {
      return { allowed: false, reason: `denied by statement ${i}` };
    }
    if (s.Effect === 'Allow') allowedBy ??= `allowed by statement ${i}`;
  }
  return allowedBy
    ? { allowed: true, reason: allowedBy }
    : { allowed: false, reason: refusals.join('; ') || 'no statement' };
}
