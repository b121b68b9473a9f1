import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description: 'Trust the EKS cluster issuer in the network account',
    example: yaml.stringify({
      steps: [
        {
          id: 'oidc',
          action: 'aws:iam:ensure-oidc-provider',
          name: 'Ensure the IAM OIDC provider',
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
  {
    description: 'Pin the issuer thumbprint as well',
    example: yaml.stringify({
      steps: [
        {
          id: 'oidc',
          action: 'aws:iam:ensure-oidc-provider',
          name: 'Ensure the IAM OIDC provider with a thumbprint',
          input: {
            networkAccountId: '111111111111',
            region: 'us-east-1',
            oidcIssuerUrl:
              'https://oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF',
            thumbprints: ['9e99a48a9960b14926bb7f3b02e22da2b0ab7280'],
          },
        },
      ],
    }),
  },
];
