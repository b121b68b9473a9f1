import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      "Check the network account's web ACL before the application's Ingress names it",
    example: yaml.stringify({
      steps: [
        {
          id: 'waf',
          action: 'aws:wafv2:check-web-acl',
          name: 'Check the AWS WAF web ACL',
          input: {
            networkAccountId: '111111111111',
            region: 'us-east-1',
            wafAclArn:
              'arn:aws:wafv2:us-east-1:111111111111:regional/webacl/shop-acl/0a1b2c3d-0000-4000-8000-000000000000',
          },
        },
      ],
    }),
  },
];
