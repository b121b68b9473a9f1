import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      "Stop a cluster's teardown while any load balancer its controller made still exists",
    example: yaml.stringify({
      steps: [
        {
          id: 'no-load-balancers',
          action: 'aws:elbv2:check-no-load-balancers',
          name: 'Check that the controller removed its load balancers',
          input: {
            networkAccountId: '111111111111',
            region: 'us-east-1',
            clusterName: 'shop-prod',
          },
        },
      ],
    }),
  },
  {
    description: "Only one application's Ingress",
    example: yaml.stringify({
      steps: [
        {
          id: 'no-load-balancers',
          action: 'aws:elbv2:check-no-load-balancers',
          name: "Check that the application's load balancer is gone",
          input: {
            networkAccountId: '111111111111',
            region: 'us-east-1',
            clusterName: 'shop-prod',
            stack: 'game-2048/game-2048',
          },
        },
      ],
    }),
  },
];
