import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Remove the rule that lets the ALB reach pods on port 80 (teardown)',
    example: yaml.stringify({
      steps: [
        {
          id: 'revokeNodesRule',
          action: 'aws:ec2:revoke-alb-to-nodes',
          name: 'Stop the ALB reaching the pods',
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
];
