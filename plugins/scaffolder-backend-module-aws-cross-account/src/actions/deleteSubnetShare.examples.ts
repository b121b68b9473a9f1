import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description: 'Delete the subnet share of a cluster by ARN (teardown)',
    example: yaml.stringify({
      steps: [
        {
          id: 'deleteShare',
          action: 'aws:ram:delete-subnet-share',
          name: 'Stop sharing the subnets',
          input: {
            networkAccountId: '111111111111',
            region: 'us-east-1',
            resourceShareArn:
              'arn:aws:ram:us-east-1:111111111111:resource-share/0a1b2c3d-0000-4000-8000-000000000001',
          },
        },
      ],
    }),
  },
  {
    description: 'Delete the share by name',
    example: yaml.stringify({
      steps: [
        {
          id: 'deleteShare',
          action: 'aws:ram:delete-subnet-share',
          name: 'Stop sharing the subnets',
          input: {
            networkAccountId: '111111111111',
            region: 'us-east-1',
            shareName: 'cross-account-alb-subnets-222222222222',
          },
        },
      ],
    }),
  },
];
