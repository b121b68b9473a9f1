/**
 * The sandbox's publish target in the templates' forms. The templates offer GitHub only; in the
 * sandbox portal, templates annotated `cross-account-alb.io/sandbox-publisher: "true"` also
 * offer "Sandbox: a local git repository", whose steps (`if: parameters.publishTo ==
 * 'sandbox'`) the templates already carry. So a production portal never shows an option that
 * only the sandbox can run.
 */
import { Entity } from '@backstage/catalog-model';
import { CatalogProcessor } from '@backstage/plugin-catalog-node';

export const SANDBOX_PUBLISHER_ANNOTATION =
  'cross-account-alb.io/sandbox-publisher';
export const SANDBOX_PUBLISH_TARGET = 'sandbox';
const LABEL = 'Sandbox: a local git repository (this sandbox portal)';

type JsonObject = Record<string, any>;

const isObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The template with the sandbox added to its `publishTo` choice (enum, enumNames and the
 * `dependencies.publishTo.oneOf` branch), or the entity unchanged when it does not opt in or
 * already offers it. Returns a copy; the input is not modified.
 */
export function withSandboxPublishOption<T extends Entity>(template: T): T {
  if (
    template.kind !== 'Template' ||
    template.metadata.annotations?.[SANDBOX_PUBLISHER_ANNOTATION] !== 'true'
  ) {
    return template;
  }
  const copy: T = JSON.parse(JSON.stringify(template));
  const spec = copy.spec as JsonObject | undefined;
  const pages: unknown[] = Array.isArray(spec?.parameters)
    ? spec!.parameters
    : [spec?.parameters];
  for (const page of pages) {
    if (!isObject(page)) continue;
    const property = page.properties?.publishTo;
    if (!isObject(property) || !Array.isArray(property.enum)) continue;
    if (property.enum.includes(SANDBOX_PUBLISH_TARGET)) continue;
    property.enum = [...property.enum, SANDBOX_PUBLISH_TARGET];
    if (Array.isArray(property.enumNames)) {
      property.enumNames = [...property.enumNames, LABEL];
    }
    const oneOf = page.dependencies?.publishTo?.oneOf;
    if (Array.isArray(oneOf)) {
      oneOf.push({
        properties: { publishTo: { const: SANDBOX_PUBLISH_TARGET } },
      });
    }
  }
  return copy;
}

/** Applies {@link withSandboxPublishOption} to templates as the catalog reads them. */
export class SandboxPublishOptionProcessor implements CatalogProcessor {
  getProcessorName() {
    return 'SandboxPublishOptionProcessor';
  }

  async preProcessEntity(entity: Entity): Promise<Entity> {
    return withSandboxPublishOption(entity);
  }
}
