import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Resolve the shared private subnets to the workload account AZ names for eksctl',
    example: yaml.stringify({
      steps: [
        {
          id: 'subnets',
          action: 'aws:ec2:resolve-shared-subnets',
          name: 'Resolve shared subnets in the workload account',
          input: {
            workloadAccountId: '222222222222',
            networkAccountId: '111111111111',
            region: 'us-east-1',
            subnetIds: ['subnet-0b0000000000000b1', 'subnet-0b0000000000000b2'],
          },
        },
      ],
    }),
  },
];
