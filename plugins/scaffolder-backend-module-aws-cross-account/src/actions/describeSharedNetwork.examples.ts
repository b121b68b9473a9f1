import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Check, before anything is shared, the shared VPC, the ALB and node subnets (one ALB subnet per AZ, node egress), the node-group sizes and that both accounts are in one AWS Organization',
    example: yaml.stringify({
      steps: [
        {
          id: 'network',
          action: 'aws:ec2:describe-shared-network',
          name: 'Describe the shared network',
          input: {
            networkAccountId: '111111111111',
            workloadAccountId: '222222222222',
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
            desiredSize: 2,
            minSize: 2,
            maxSize: 4,
          },
        },
      ],
    }),
  },
];
