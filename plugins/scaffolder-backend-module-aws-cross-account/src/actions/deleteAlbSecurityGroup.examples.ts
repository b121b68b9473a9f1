import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description: 'Delete the ALB security group of a cluster (teardown)',
    example: yaml.stringify({
      steps: [
        {
          id: 'deleteAlbSg',
          action: 'aws:ec2:delete-alb-security-group',
          name: 'Delete the ALB security group',
          input: {
            networkAccountId: '111111111111',
            region: 'us-east-1',
            vpcId: 'vpc-0a1b2c3d4e5f60718',
            clusterName: 'shop-prod',
            groupName: 'shop-prod-game-2048-alb',
          },
        },
      ],
    }),
  },
];
