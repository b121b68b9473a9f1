import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Read the cluster picked in the form, and the name of the ALB security group of one application on it',
    example: yaml.stringify({
      steps: [
        {
          id: 'cluster',
          action: 'aws:catalog:read-cluster',
          name: 'Read the cluster from the catalog',
          input: {
            entityRef: 'resource:default/shop-prod',
            applicationName: 'game-2048',
            applicationNamespace: 'game-2048',
          },
        },
      ],
    }),
  },
  {
    description:
      'Read the cluster for the Load Balancer Controller template: its owners who are not platform engineers are refused here, before any AWS call',
    example: yaml.stringify({
      steps: [
        {
          id: 'cluster',
          action: 'aws:catalog:read-cluster',
          name: 'Read and check the cluster from the catalog',
          input: {
            entityRef: 'resource:default/shop-prod',
            purpose: 'load-balancer-controller',
          },
        },
      ],
    }),
  },
];
