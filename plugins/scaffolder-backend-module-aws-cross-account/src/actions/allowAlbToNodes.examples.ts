import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Let the ALB reach pods on port 80 through the cluster security group',
    example: yaml.stringify({
      steps: [
        {
          id: 'nodesRule',
          action: 'aws:ec2:allow-alb-to-nodes',
          name: 'Allow the ALB to reach the pods',
          input: {
            workloadAccountId: '222222222222',
            networkAccountId: '111111111111',
            region: 'us-east-1',
            nodeSecurityGroupId: 'sg-0c0000000000000c1',
            albSecurityGroupId: 'sg-0a0000000000000a1',
            fromPort: 80,
          },
        },
      ],
    }),
  },
  {
    description: 'Open a port range for several services',
    example: yaml.stringify({
      steps: [
        {
          id: 'nodesRule',
          action: 'aws:ec2:allow-alb-to-nodes',
          name: 'Allow the ALB to reach pods on 8080-8090',
          input: {
            workloadAccountId: '222222222222',
            networkAccountId: '111111111111',
            region: 'us-east-1',
            nodeSecurityGroupId: 'sg-0c0000000000000c1',
            albSecurityGroupId: 'sg-0a0000000000000a1',
            fromPort: 8080,
            toPort: 8090,
          },
        },
      ],
    }),
  },
];
