import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Delete the controller role of a cluster (shop-prod-222222222222-aws-lbc), keeping the shared policy (teardown)',
    example: yaml.stringify({
      steps: [
        {
          id: 'deleteRole',
          action: 'aws:iam:delete-load-balancer-controller-role',
          name: 'Delete the controller role',
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
  {
    description:
      'Delete the role and the controller policy when no other cluster uses it',
    example: yaml.stringify({
      steps: [
        {
          id: 'deleteRole',
          action: 'aws:iam:delete-load-balancer-controller-role',
          name: 'Delete the controller role and policy',
          input: {
            networkAccountId: '111111111111',
            workloadAccountId: '222222222222',
            region: 'us-east-1',
            clusterName: 'shop-prod',
            deletePolicy: true,
          },
        },
      ],
    }),
  },
];
