import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description: 'An internet-facing ALB security group open on port 80',
    example: yaml.stringify({
      steps: [
        {
          id: 'albSg',
          action: 'aws:ec2:ensure-alb-security-group',
          name: 'Ensure the ALB security group',
          input: {
            networkAccountId: '111111111111',
            region: 'us-east-1',
            vpcId: 'vpc-0a1b2c3d4e5f60718',
            clusterName: 'shop-prod',
          },
        },
      ],
    }),
  },
  {
    description: 'An internal ALB on 80 and 443, reachable from the VPC only',
    example: yaml.stringify({
      steps: [
        {
          id: 'albSg',
          action: 'aws:ec2:ensure-alb-security-group',
          name: 'Ensure the internal ALB security group',
          input: {
            networkAccountId: '111111111111',
            region: 'us-east-1',
            vpcId: 'vpc-0a1b2c3d4e5f60718',
            clusterName: 'shop-prod',
            scheme: 'internal',
            listenerPorts: [80, 443],
          },
        },
      ],
    }),
  },
];
