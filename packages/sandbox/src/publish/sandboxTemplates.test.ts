import { Entity } from '@backstage/catalog-model';
// The validator the scaffolder checks a task's values with (POST /v2/tasks).
import { validate } from 'jsonschema';
// The form library and validator of the scaffolder's frontend (@backstage/plugin-scaffolder-react).
import { retrieveSchema } from '@rjsf/utils';
import validator from '@rjsf/validator-ajv8';
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'yaml';
import {
  SANDBOX_TEMPLATE_ADDITIONS,
  SandboxTemplateProcessor,
  withSandboxAdditions,
} from './sandboxTemplates';

const TEMPLATES = path.resolve(__dirname, '../../../../templates');
const read = (dir: string): Entity =>
  yaml.parse(
    fs.readFileSync(path.join(TEMPLATES, dir, 'template.yaml'), 'utf8'),
  );
const spec = (template: Entity) => template.spec as any;
const pageWith = (template: Entity, property: string) =>
  (spec(template).parameters as any[]).find(p => p.properties?.[property]);
const stepIds = (template: Entity) =>
  (spec(template).steps as any[]).map(s => s.id);

describe('what the sandbox adds to the templates', () => {
  it('knows every template of the project by name', () => {
    const names = fs
      .readdirSync(TEMPLATES, { withFileTypes: true })
      .filter(d => d.isDirectory())
      .map(d => read(d.name).metadata.name)
      .filter(name => name !== 'eks-cross-account-alb-teardown');
    expect(Object.keys(SANDBOX_TEMPLATE_ADDITIONS).sort()).toEqual(
      names.sort(),
    );
  });

  it.each([
    'cluster-onboarding',
    'load-balancer-controller',
    'alb-application',
  ])(
    '%s: GitHub as written; the local publish target, stand-ins and defaults in the sandbox',
    dir => {
      const written = read(dir);
      const before = JSON.stringify(written);
      // Written for production: nothing of the sandbox in it.
      expect(before).not.toMatch(/sandbox/i);
      expect(pageWith(written, 'repoUrl')).toBeDefined();

      const sandbox = withSandboxAdditions(written);
      const page = pageWith(sandbox, 'publishTo');
      expect(page.properties.publishTo.enum).toEqual(['sandbox', 'github']);
      expect(page.properties.publishTo.default).toBe('sandbox');
      expect(page.properties.repoUrl).toBeUndefined();
      expect(page.required).toContain('publishTo');
      expect(page.required).not.toContain('repoUrl');
      // Asked for when publishing to GitHub; a bad URL is refused naming the field, by the
      // validator the scaffolder uses for the task's values.
      expect(page.if.properties.publishTo.const).toBe('github');
      expect(page.then.required).toEqual(['repoUrl']);
      expect(page.then.properties.repoUrl['ui:field']).toBe('RepoUrlPicker');
      // (The page's other fields aside.)
      const choice = {
        type: 'object',
        properties: { publishTo: page.properties.publishTo },
        required: ['publishTo'],
        if: page.if,
        then: page.then,
      };
      const refused = validate(
        { publishTo: 'github', repoUrl: 'https://github.com/acme/shop' },
        choice,
      );
      expect(refused.errors.map(e => `${e.property} ${e.message}`)).toEqual([
        expect.stringMatching(/^instance\.repoUrl does not match pattern/),
      ]);
      expect(
        validate({ publishTo: 'github' }, choice).errors.map(e => e.message),
      ).toEqual(['requires property "repoUrl"']);
      expect(validate({ publishTo: 'sandbox' }, choice).valid).toBe(true);
      // The form asks for it as it did under dependencies: on GitHub only, with its picker.
      const shown = (publishTo: string) =>
        retrieveSchema(validator, choice as any, choice as any, { publishTo });
      expect(Object.keys(shown('sandbox').properties!)).toEqual(['publishTo']);
      expect(Object.keys(shown('github').properties!)).toEqual([
        'publishTo',
        'repoUrl',
      ]);
      expect(shown('github').required).toEqual(['publishTo', 'repoUrl']);
      expect((shown('github').properties!.repoUrl as any)['ui:field']).toBe(
        'RepoUrlPicker',
      );
      expect(
        validate(
          { publishTo: 'github', repoUrl: 'github.com?owner=acme&repo=shop' },
          choice,
        ).valid,
      ).toBe(true);

      const steps = spec(sandbox).steps as any[];
      const byId = Object.fromEntries(steps.map(s => [s.id, s]));
      expect(byId.publish.if).toBe("${{ parameters.publishTo == 'github' }}");
      expect(byId.register.if).toBe("${{ parameters.publishTo == 'github' }}");
      const ids = stepIds(sandbox);
      expect(ids.indexOf('publish-sandbox')).toBe(ids.indexOf('register') + 1);
      expect(byId['publish-sandbox']).toMatchObject({
        action: 'sandbox:publish:local-git',
        if: "${{ parameters.publishTo == 'sandbox' }}",
      });
      for (const extra of SANDBOX_TEMPLATE_ADDITIONS[written.metadata.name]
        .steps ?? []) {
        // A stand-in step with a condition of its own runs when both hold.
        const own = extra.if
          ? String(extra.if).replace(/^\$\{\{\s*|\s*\}\}$/g, '')
          : undefined;
        expect(byId[extra.id].if).toBe(
          own
            ? `\${{ (${own}) and (parameters.publishTo == 'sandbox') }}`
            : "${{ parameters.publishTo == 'sandbox' }}",
        );
      }
      // Links follow the target.
      expect(spec(sandbox).output.links[0].url).toBe(
        "${{ steps['publish'].output.remoteUrl if parameters.publishTo == 'github' else steps['publish-sandbox'].output.remoteUrl }}",
      );
      // The input is left as it was, and a second pass changes nothing.
      expect(JSON.stringify(written)).toBe(before);
      expect(withSandboxAdditions(sandbox)).toBe(sandbox);
    },
  );

  it('gives template 1 the sandbox accounts as defaults, which production leaves empty', () => {
    const written = read('cluster-onboarding');
    expect(
      pageWith(written, 'networkAccountId').properties.networkAccountId.default,
    ).toBeUndefined();
    const page = pageWith(withSandboxAdditions(written), 'networkAccountId');
    expect(page.properties.networkAccountId.default).toBe('111111111111');
    expect(page.properties.workloadAccountId.default).toBe('222222222222');
  });

  it('keeps a condition the template already had on a step it makes sandbox-only', () => {
    const written = read('alb-application');
    const publish = spec(written).steps.find((s: any) => s.id === 'publish');
    publish.if = '${{ parameters.name }}';
    const sandbox = withSandboxAdditions(written);
    expect(spec(sandbox).steps.find((s: any) => s.id === 'publish').if).toBe(
      "${{ (parameters.name) and (parameters.publishTo == 'github') }}",
    );
  });

  it('leaves templates it does not know, and other kinds, alone', async () => {
    const teardown = read('teardown');
    expect(withSandboxAdditions(teardown)).toBe(teardown);
    const component: Entity = {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: { name: 'eks-cross-account-alb-application' },
    };
    expect(
      await new SandboxTemplateProcessor().preProcessEntity(component),
    ).toBe(component);
  });
});
