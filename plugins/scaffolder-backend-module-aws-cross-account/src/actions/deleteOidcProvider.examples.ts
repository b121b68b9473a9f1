import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description: "Delete the OIDC provider of a cluster's issuer (teardown)",
    example: yaml.stringify({
      steps: [
        {
          id: 'deleteOidc',
          action: 'aws:iam:delete-oidc-provider',
          name: 'Delete the OIDC provider',
          input: {
            networkAccountId: '111111111111',
            region: 'us-east-1',
            oidcIssuerUrl:
              'https://oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF',
          },
        },
      ],
    }),
  },
];
