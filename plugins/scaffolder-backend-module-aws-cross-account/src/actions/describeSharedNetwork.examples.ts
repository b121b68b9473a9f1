import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Check the shared VPC and the ALB and node subnets in the network account',
    example: yaml.stringify({
      steps: [
        {
          id: 'network',
          action: 'aws:ec2:describe-shared-network',
          name: 'Describe the shared network',
          input: {
            networkAccountId: '111111111111',
            region: 'us-east-1',
            vpcId: 'vpc-0a1b2c3d4e5f60718',
            albSubnetIds: [
              'subnet-0a0000000000000a1',
              'subnet-0a0000000000000a2',
            ],
            nodeSubnetIds: [
              'subnet-0b0000000000000b1',
              'subnet-0b0000000000000b2',
            ],
          },
        },
      ],
    }),
  },
];
