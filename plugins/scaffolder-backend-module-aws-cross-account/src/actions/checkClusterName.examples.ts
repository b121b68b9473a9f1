import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Refuse, as the first step of the cluster onboarding, a cluster name another cluster of the network account already uses',
    example: yaml.stringify({
      steps: [
        {
          id: 'name',
          action: 'aws:catalog:check-cluster-name',
          name: 'Check the cluster name is free in the network account (catalog and tags)',
          input: {
            networkAccountId: '111111111111',
            workloadAccountId: '222222222222',
            region: 'us-east-1',
            clusterName: 'shop-prod',
          },
        },
      ],
    }),
  },
];
