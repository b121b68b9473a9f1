import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      "Delete external-dns's role and the cluster's OIDC provider in the DNS account (teardown of a cluster)",
    example: yaml.stringify({
      steps: [
        {
          id: 'deleteExternalDns',
          action: 'aws:iam:delete-external-dns-role',
          name: "Delete external-dns's role",
          input: {
            dnsAccountId: '333333333333',
            workloadAccountId: '222222222222',
            region: 'us-east-1',
            clusterName: 'shop-prod',
            oidcIssuerUrl:
              'https://oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF',
          },
        },
      ],
    }),
  },
];
