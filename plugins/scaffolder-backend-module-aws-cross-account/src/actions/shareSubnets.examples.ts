import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Share the private and public subnets with the workload account',
    example: yaml.stringify({
      steps: [
        {
          id: 'share',
          action: 'aws:ram:share-subnets',
          name: 'Share subnets with the workload account',
          input: {
            networkAccountId: '111111111111',
            region: 'us-east-1',
            subnetIds: [
              'subnet-0b0000000000000b1',
              'subnet-0b0000000000000b2',
              'subnet-0a0000000000000a1',
              'subnet-0a0000000000000a2',
            ],
            principals: ['222222222222'],
          },
        },
      ],
    }),
  },
  {
    description: 'Share with an organizational unit under a fixed share name',
    example: yaml.stringify({
      steps: [
        {
          id: 'share',
          action: 'aws:ram:share-subnets',
          name: 'Share subnets with an OU',
          input: {
            networkAccountId: '111111111111',
            region: 'eu-west-1',
            subnetIds: ['subnet-0b0000000000000b1', 'subnet-0b0000000000000b2'],
            principals: [
              'arn:aws:organizations::999999999999:ou/o-exampleorgid/ou-ab12-cdef3456',
            ],
            shareName: 'platform-shared-subnets',
            waitTimeoutSeconds: 120,
          },
        },
      ],
    }),
  },
];
