import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Read the OIDC issuer and cluster security group of the new cluster',
    example: yaml.stringify({
      steps: [
        {
          id: 'cluster',
          action: 'aws:eks:describe-cluster',
          name: 'Describe the EKS cluster',
          input: {
            workloadAccountId: '222222222222',
            region: 'us-east-1',
            clusterName: 'shop-prod',
          },
        },
      ],
    }),
  },
];
