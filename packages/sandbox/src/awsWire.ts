import http from 'node:http';

/**
 * The AWS wire as the sandbox's proxies (the IAM gateway, the fault proxy) see it: a
 * request's parameters, the errors each service answers in its own protocol, and passing a
 * request on to moto.
 */

/** A request's parameters: query/EC2 form fields flattened (`Tags.member.1.Key`), or a JSON body. */
export interface RequestParams {
  /** Form or query-string fields (EC2, IAM, ELBv2, STS), and REST query strings (RAM, EKS). */
  form: URLSearchParams;
  /** The JSON body (RAM, EKS, the tagging API), `{}` when there is none. */
  json: Record<string, any>;
  /** The REST path (EKS cluster names, Route 53 hosted zone IDs live there). */
  path: string;
  /** The body as sent (Route 53's REST-XML requests carry their parameters there). */
  text: string;
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
  return {
    form,
    json,
    path: decodeURIComponent(parsed.pathname),
    text: body,
  };
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

export type Protocol = 'ec2' | 'query' | 'json' | 'restJson' | 'restXml';

/** An HTTP answer to write back to the caller. */
export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * An error as the service answers it, in its protocol: EC2's `<Response><Errors>`, the query
 * protocol's `<ErrorResponse>` (IAM, ELBv2, STS; REST-XML's Route 53 answers the same shape),
 * JSON's `__type` (the tagging API, ACM) and REST-JSON's `x-amzn-errortype` (RAM, EKS).
 */
export function awsErrorResponse(
  protocol: Protocol,
  error: { status: number; code: string; message: string; type?: string },
  requestIdPrefix = 'sandbox',
): WireResponse {
  const id = `${requestIdPrefix}-${Math.random().toString(16).slice(2, 10)}`;
  const { status, code, message } = error;
  const escaped = message
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
  const xml = { 'content-type': 'text/xml', 'x-amzn-requestid': id };
  if (protocol === 'ec2') {
    return {
      status,
      headers: xml,
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${escaped}</Message></Error></Errors><RequestID>${id}</RequestID></Response>`,
    };
  }
  if (protocol === 'query' || protocol === 'restXml') {
    return {
      status,
      headers: xml,
      body: `<ErrorResponse><Error><Type>${
        error.type ?? 'Sender'
      }</Type><Code>${code}</Code><Message>${escaped}</Message></Error><RequestId>${id}</RequestId></ErrorResponse>`,
    };
  }
  return {
    status,
    headers: {
      'content-type':
        protocol === 'json' ? 'application/x-amz-json-1.1' : 'application/json',
      'x-amzn-requestid': id,
      'x-amzn-errortype': `${code}:`,
    },
    body: JSON.stringify(
      protocol === 'json' ? { __type: code, message } : { message },
    ),
  };
}

/** The answer AWS gives a call IAM refused, in the service's protocol. */
export function accessDeniedResponse(
  protocol: Protocol,
  message: string,
): WireResponse {
  // EC2 has its own code; the query protocol says AccessDenied; JSON and REST-JSON services
  // (RAM, EKS, the tagging API) AccessDeniedException.
  const codes: Record<Protocol, string> = {
    ec2: 'UnauthorizedOperation',
    query: 'AccessDenied',
    json: 'AccessDeniedException',
    restJson: 'AccessDeniedException',
    restXml: 'AccessDenied',
  };
  return awsErrorResponse(
    protocol,
    { status: 403, code: codes[protocol], message },
    'iam-gateway',
  );
}

/** Writes a whole answer, with its length. */
export function sendWireResponse(
  res: http.ServerResponse,
  r: WireResponse,
): void {
  res.writeHead(r.status, {
    ...r.headers,
    'content-length': String(Buffer.byteLength(r.body)),
  });
  res.end(r.body);
}

/** Sends a request received by a proxy on to the same path of `target`. */
export function requestUpstream(
  target: URL,
  agent: http.Agent,
  req: http.IncomingMessage,
  body: Buffer,
  onResponse: (up: http.IncomingMessage) => void,
  onError: (e: Error) => void,
): void {
  const upstream = http.request(
    {
      host: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: { ...req.headers, host: target.host },
      agent,
    },
    onResponse,
  );
  upstream.on('error', onError);
  upstream.end(body);
}

/** The answer to a caller whose request could not reach the upstream. */
export function badGateway(res: http.ServerResponse, e: Error): void {
  if (!res.headersSent) res.writeHead(502);
  res.end(String(e));
}
