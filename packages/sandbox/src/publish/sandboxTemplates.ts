/**
 * What the sandbox adds to the project's templates as its catalog reads them. The templates
 * are written for production: they publish to GitHub, leave the accounts for the user to
 * type and end where a person runs eksctl or kubectl. The sandbox portal cannot publish to
 * GitHub and has no cluster, so for each template it knows (by `metadata.name`) it adds:
 *
 * - a publish target "Sandbox: a local git repository" (default) beside GitHub, which runs
 *   `sandbox:publish:local-git` instead of `publish:github` + `catalog:register`;
 * - the stand-in steps that play what a person would do next (eksctl, kubectl apply of
 *   external-dns) and what runs in the cluster (the controller, external-dns);
 * - the sandbox's accounts as form defaults.
 *
 * Only the sandbox backend installs the processor, so production forms never show any of it.
 */
import { Entity } from '@backstage/catalog-model';
import { CatalogProcessor } from '@backstage/plugin-catalog-node';
import {
  SANDBOX_NETWORK_ACCOUNT_ID,
  SANDBOX_WORKLOAD_ACCOUNT_ID,
} from '../accounts';

export const SANDBOX_PUBLISH_TARGET = 'sandbox';
export const SANDBOX_PUBLISH_STEP_ID = 'publish-sandbox';
const GITHUB_TARGET = 'github';
const PUBLISH_TO = 'publishTo';
const ON_SANDBOX = `\${{ parameters.${PUBLISH_TO} == '${SANDBOX_PUBLISH_TARGET}' }}`;
const ON_GITHUB = `\${{ parameters.${PUBLISH_TO} == '${GITHUB_TARGET}' }}`;

type JsonObject = Record<string, any>;

interface SandboxAdditions {
  /** The local repository's name (an expression over the template's parameters and steps). */
  repoName?: string;
  /** Steps run after publishing, when publishing to the sandbox. */
  steps?: JsonObject[];
  /** Form defaults, by parameter name. */
  defaults?: Record<string, unknown>;
}

/**
 * The additions per template. The stand-ins take what the real tool would read: eksctl the
 * ClusterConfig the template wrote; the controller the Ingress it wrote, on the cluster
 * `aws:catalog:read-cluster` read.
 */
export const SANDBOX_TEMPLATE_ADDITIONS: Record<string, SandboxAdditions> = {
  'eks-cross-account-cluster-onboarding': {
    repoName: '${{ parameters.clusterName }}-cluster',
    defaults: {
      networkAccountId: SANDBOX_NETWORK_ACCOUNT_ID,
      workloadAccountId: SANDBOX_WORKLOAD_ACCOUNT_ID,
    },
    steps: [
      {
        id: 'sandbox-eksctl',
        name: 'Sandbox: stand in for eksctl create cluster',
        action: 'sandbox:eksctl:create-cluster',
        input: {
          workloadAccountId: '${{ parameters.workloadAccountId }}',
          configPath: 'cluster/eksctl-cluster.yaml',
        },
      },
    ],
  },
  'eks-cross-account-load-balancer-controller': {
    repoName: '${{ steps.cluster.output.entityName }}-lb-controller',
    steps: [
      {
        id: 'sandbox-external-dns-apply',
        if: '${{ parameters.hostedZoneId }}',
        name: 'Sandbox: stand in for kubectl apply of external-dns',
        action: 'sandbox:kubectl:apply',
        input: {
          workloadAccountId: '${{ steps.cluster.output.workloadAccountId }}',
          region: '${{ steps.cluster.output.region }}',
          clusterName: '${{ steps.cluster.output.clusterName }}',
          manifestPath: 'external-dns/external-dns.yaml',
        },
      },
    ],
  },
  'eks-cross-account-alb-application': {
    repoName: '${{ parameters.name }}',
    steps: [
      {
        id: 'sandbox-controller',
        name: 'Sandbox: stand in for the Load Balancer Controller reconciling the Ingress',
        action: 'sandbox:lbc:reconcile-ingress',
        input: {
          networkAccountId: '${{ steps.cluster.output.networkAccountId }}',
          workloadAccountId: '${{ steps.cluster.output.workloadAccountId }}',
          region: '${{ steps.cluster.output.region }}',
          clusterName: '${{ steps.cluster.output.clusterName }}',
          manifestPath: 'kubernetes/app.yaml',
        },
      },
      {
        id: 'sandbox-external-dns',
        name: "Sandbox: stand in for external-dns's next loop (the host name's records)",
        action: 'sandbox:external-dns:sync',
        input: {
          workloadAccountId: '${{ steps.cluster.output.workloadAccountId }}',
          region: '${{ steps.cluster.output.region }}',
          clusterName: '${{ steps.cluster.output.clusterName }}',
        },
      },
    ],
  },
};

const isObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function pagesOf(spec: JsonObject): JsonObject[] {
  const pages = Array.isArray(spec.parameters)
    ? spec.parameters
    : [spec.parameters];
  return pages.filter(isObject);
}

function onlyWhen(condition: string, step: JsonObject): JsonObject {
  if (step.if === undefined) return { ...step, if: condition };
  // Both must hold: the template's own condition and the publish target's.
  const inner = (expr: string) =>
    String(expr)
      .replace(/^\$\{\{\s*/, '')
      .replace(/\s*\}\}$/, '');
  return {
    ...step,
    if: `\${{ (${inner(step.if)}) and (${inner(condition)}) }}`,
  };
}

/**
 * Moves `repoUrl` under a new `publishTo` choice whose default is the sandbox: asked for, and
 * required, only when publishing to GitHub (`if`/`then`, which the form shows as it does
 * `dependencies` and the scaffolder validates field by field: a refused URL answers
 * `instance.repoUrl does not match pattern …`, where a `oneOf` answered only that the values
 * match neither branch).
 */
function addPublishChoice(spec: JsonObject): boolean {
  const page = pagesOf(spec).find(p => isObject(p.properties?.repoUrl));
  if (!page) return false;
  const repoUrl = page.properties.repoUrl;
  const { repoUrl: _dropped, ...rest } = page.properties;
  page.properties = {
    ...rest,
    [PUBLISH_TO]: {
      title: 'Publish the repository to',
      type: 'string',
      default: SANDBOX_PUBLISH_TARGET,
      enum: [SANDBOX_PUBLISH_TARGET, GITHUB_TARGET],
      enumNames: [
        'Sandbox: a local git repository (this sandbox portal)',
        'GitHub',
      ],
    },
  };
  page.required = [
    ...(page.required ?? []).filter((r: string) => r !== 'repoUrl'),
    PUBLISH_TO,
  ];
  if (page.if !== undefined) {
    throw new Error(
      `${PUBLISH_TO}: the page with repoUrl already has an "if"; the sandbox cannot add its publish choice to it`,
    );
  }
  page.if = {
    properties: { [PUBLISH_TO]: { const: GITHUB_TARGET } },
    required: [PUBLISH_TO],
  };
  page.then = { properties: { repoUrl }, required: ['repoUrl'] };
  return true;
}

/**
 * `${{ steps.<id>.output.<key> }}` (or `steps['<id>']`) of the GitHub steps becomes the
 * sandbox step's output when publishing to the sandbox.
 */
function redirectOutputs(value: unknown, stepIds: string[]): unknown {
  if (typeof value === 'string') {
    for (const id of stepIds) {
      const match = new RegExp(
        `^\\$\\{\\{\\s*steps(?:\\.${id}|\\['${id}'\\])\\.output\\.([A-Za-z]+)\\s*\\}\\}$`,
      ).exec(value);
      if (match) {
        const key = match[1];
        return `\${{ steps['${id}'].output.${key} if parameters.${PUBLISH_TO} == '${GITHUB_TARGET}' else steps['${SANDBOX_PUBLISH_STEP_ID}'].output.${key} }}`;
      }
    }
    return value;
  }
  if (Array.isArray(value)) return value.map(v => redirectOutputs(v, stepIds));
  if (isObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, redirectOutputs(v, stepIds)]),
    );
  }
  return value;
}

function applyDefaults(spec: JsonObject, defaults: Record<string, unknown>) {
  for (const page of pagesOf(spec)) {
    for (const [name, value] of Object.entries(defaults)) {
      const property = page.properties?.[name];
      if (isObject(property) && property.default === undefined) {
        property.default = value;
      }
    }
  }
}

/**
 * The template as the sandbox portal serves it, or the entity unchanged when the sandbox has
 * nothing to add (another kind, a template it does not know, or one it already changed).
 * Returns a copy; the input is not modified.
 */
export function withSandboxAdditions<T extends Entity>(template: T): T {
  const additions = SANDBOX_TEMPLATE_ADDITIONS[template.metadata.name];
  if (template.kind !== 'Template' || !additions) return template;
  const copy: T = JSON.parse(JSON.stringify(template));
  const spec = copy.spec as JsonObject;
  const steps: JsonObject[] = Array.isArray(spec.steps) ? spec.steps : [];
  if (steps.some(s => s.id === SANDBOX_PUBLISH_STEP_ID)) return template;

  applyDefaults(spec, additions.defaults ?? {});
  const publish = steps.find(s => s.action === 'publish:github');
  const register = steps.find(s => s.action === 'catalog:register');
  if (!publish || !addPublishChoice(spec)) {
    spec.steps = [
      ...steps,
      ...(additions.steps ?? []).map(s => onlyWhen(ON_SANDBOX, s)),
    ];
    return copy;
  }
  const githubIds = [publish.id, register?.id].filter(Boolean) as string[];
  const last = steps.indexOf(register ?? publish);
  spec.steps = [
    ...steps
      .slice(0, last + 1)
      .map(s => (githubIds.includes(s.id) ? onlyWhen(ON_GITHUB, s) : s)),
    {
      id: SANDBOX_PUBLISH_STEP_ID,
      name: 'Sandbox: publish to a local git repository and register it',
      if: ON_SANDBOX,
      action: 'sandbox:publish:local-git',
      input: {
        repoName: additions.repoName ?? template.metadata.name,
        catalogInfoPath:
          register?.input?.catalogInfoPath ?? '/catalog-info.yaml',
      },
    },
    ...(additions.steps ?? []).map(s => onlyWhen(ON_SANDBOX, s)),
    ...steps.slice(last + 1),
  ];
  if (spec.output) spec.output = redirectOutputs(spec.output, githubIds);
  return copy;
}

/** Applies {@link withSandboxAdditions} to templates as the sandbox's catalog reads them. */
export class SandboxTemplateProcessor implements CatalogProcessor {
  getProcessorName() {
    return 'SandboxTemplateProcessor';
  }

  async preProcessEntity(entity: Entity): Promise<Entity> {
    return withSandboxAdditions(entity);
  }
}
