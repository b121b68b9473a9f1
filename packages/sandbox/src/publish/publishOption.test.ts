import { Entity } from '@backstage/catalog-model';
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'yaml';
import {
  SANDBOX_PUBLISHER_ANNOTATION,
  SandboxPublishOptionProcessor,
  withSandboxPublishOption,
} from './publishOption';

const TEMPLATES = path.resolve(__dirname, '../../../../templates');
const read = (name: string): Entity =>
  yaml.parse(
    fs.readFileSync(path.join(TEMPLATES, name, 'template.yaml'), 'utf8'),
  );
const publishPage = (template: Entity) =>
  ((template.spec as any).parameters as any[]).find(
    p => p.properties?.publishTo,
  );

describe('the sandbox publish target', () => {
  it.each([
    'cluster-onboarding',
    'load-balancer-controller',
    'alb-application',
  ])(
    '%s offers GitHub alone as written, and the sandbox target once the sandbox adds it',
    name => {
      const written = read(name);
      expect(written.metadata.annotations?.[SANDBOX_PUBLISHER_ANNOTATION]).toBe(
        'true',
      );
      expect(publishPage(written).properties.publishTo.enum).toEqual([
        'github',
      ]);

      const sandbox = withSandboxPublishOption(written);
      const page = publishPage(sandbox);
      expect(page.properties.publishTo.enum).toEqual(['github', 'sandbox']);
      expect(page.properties.publishTo.enumNames).toEqual([
        'GitHub',
        expect.stringMatching(/^Sandbox: /),
      ]);
      expect(
        page.dependencies.publishTo.oneOf.map(
          (b: any) => b.properties.publishTo.const,
        ),
      ).toEqual(['github', 'sandbox']);
      // The template still holds the steps the sandbox target runs.
      expect(
        (sandbox.spec as any).steps.some((s: any) =>
          String(s.if ?? '').includes("parameters.publishTo == 'sandbox'"),
        ),
      ).toBe(true);
      // The input is left as it was, and a second pass changes nothing.
      expect(publishPage(written).properties.publishTo.enum).toEqual([
        'github',
      ]);
      expect(withSandboxPublishOption(sandbox)).toEqual(sandbox);
    },
  );

  it('leaves templates that do not opt in, and other kinds, alone', async () => {
    const teardown = read('teardown');
    expect(withSandboxPublishOption(teardown)).toBe(teardown);
    const other = { ...read('alb-application') };
    other.metadata = { ...other.metadata, annotations: {} };
    expect(withSandboxPublishOption(other)).toBe(other);
    const component: Entity = {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name: 'x',
        annotations: { [SANDBOX_PUBLISHER_ANNOTATION]: 'true' },
      },
    };
    expect(
      await new SandboxPublishOptionProcessor().preProcessEntity(component),
    ).toBe(component);
  });
});
