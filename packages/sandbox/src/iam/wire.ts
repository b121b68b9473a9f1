/**
 * Reading the parameters of an AWS request off the wire, and writing the access-denied
 * answer each service gives, in its own protocol.
 */

/** A request's parameters: query/EC2 form fields flattened (`Tags.member.1.Key`), or a JSON body. */
export interface RequestParams {
  /** Form or query-string fields (EC2, IAM, ELBv2, STS), and REST query strings (RAM, EKS). */
  form: URLSearchParams;
  /** The JSON body (RAM, EKS, the tagging API), `{}` when there is none. */
  json: Record<string, any>;
  /** The REST path (EKS cluster names live there). */
  path: string;
}

export function readParams(
  url: string | undefined,
  contentType: string,
  body: string,
): RequestParams {
  const parsed = new URL(url ?? '/', 'http://gateway');
  const form = new URLSearchParams(parsed.search);
  if (contentType.includes('x-www-form-urlencoded')) {
    for (const [k, v] of new URLSearchParams(body)) form.append(k, v);
  }
  let json: Record<string, any> = {};
  if (body && !contentType.includes('x-www-form-urlencoded')) {
    try {
      const value = JSON.parse(body);
      if (value && typeof value === 'object') json = value;
    } catch {
      // Not JSON: a form or an empty body.
    }
  }
  return { form, json, path: decodeURIComponent(parsed.pathname) };
}

/** Values of a numbered list: `prefix.1`, `prefix.2`, … (EC2 `GroupId.1`, IAM `member.N`). */
export function listValues(form: URLSearchParams, prefix: string): string[] {
  const out: string[] = [];
  for (let i = 1; form.has(`${prefix}.${i}`); i++) {
    out.push(form.get(`${prefix}.${i}`)!);
  }
  return out;
}

/** Tags of a numbered key/value list: `Tags.member.N.Key` (IAM, ELBv2) or `Tag.N.Key` (EC2). */
export function tagList(
  form: URLSearchParams,
  prefix: string,
): Record<string, string> {
  const tags: Record<string, string> = {};
  for (let i = 1; form.has(`${prefix}.${i}.Key`); i++) {
    tags[form.get(`${prefix}.${i}.Key`)!] =
      form.get(`${prefix}.${i}.Value`) ?? '';
  }
  return tags;
}

/** EC2 `TagSpecification.N`: the tags asked for each resource type on create. */
export function ec2TagSpecifications(
  form: URLSearchParams,
): Record<string, Record<string, string>> {
  const specs: Record<string, Record<string, string>> = {};
  for (let i = 1; form.has(`TagSpecification.${i}.ResourceType`); i++) {
    const type = form.get(`TagSpecification.${i}.ResourceType`)!;
    specs[type] = {
      ...specs[type],
      ...tagList(form, `TagSpecification.${i}.Tag`),
    };
  }
  return specs;
}

export type Protocol = 'ec2' | 'query' | 'json' | 'restJson';

/** The answer AWS gives a call IAM refused, in the service's protocol. */
export function accessDeniedResponse(
  protocol: Protocol,
  message: string,
): { status: number; headers: Record<string, string>; body: string } {
  const id = `iam-gateway-${Math.random().toString(16).slice(2, 10)}`;
  const escaped = message
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
  if (protocol === 'ec2') {
    // EC2 answers 403 UnauthorizedOperation (its own code, not AccessDenied).
    return {
      status: 403,
      headers: { 'content-type': 'text/xml', 'x-amzn-requestid': id },
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>${escaped}</Message></Error></Errors><RequestID>${id}</RequestID></Response>`,
    };
  }
  if (protocol === 'query') {
    return {
      status: 403,
      headers: { 'content-type': 'text/xml', 'x-amzn-requestid': id },
      body: `<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>${escaped}</Message></Error><RequestId>${id}</RequestId></ErrorResponse>`,
    };
  }
  // JSON and REST-JSON services (RAM, EKS, the tagging API) answer AccessDeniedException.
  const code = 'AccessDeniedException';
  return {
    status: 403,
    headers: {
      'content-type':
        protocol === 'json' ? 'application/x-amz-json-1.1' : 'application/json',
      'x-amzn-requestid': id,
      'x-amzn-errortype': `${code}:`,
    },
    body: JSON.stringify(
      protocol === 'json'
        ? { __type: code, message }
        : { message, Message: message },
    ),
  };
}
