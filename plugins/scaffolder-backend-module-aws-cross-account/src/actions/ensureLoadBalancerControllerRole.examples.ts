import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Create the controller policy and IRSA role in the network account for a cluster of the workload account',
    example: yaml.stringify({
      steps: [
        {
          id: 'lbcRole',
          action: 'aws:iam:ensure-load-balancer-controller-role',
          name: 'Ensure the Load Balancer Controller role',
          input: {
            networkAccountId: '111111111111',
            workloadAccountId: '222222222222',
            region: 'us-east-1',
            clusterName: 'shop-prod',
            oidcIssuerUrl:
              'https://oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF',
          },
        },
      ],
    }),
  },
  {
    description: 'Use a custom service account and role name',
    example: yaml.stringify({
      steps: [
        {
          id: 'lbcRole',
          action: 'aws:iam:ensure-load-balancer-controller-role',
          name: 'Ensure the Load Balancer Controller role',
          input: {
            networkAccountId: '111111111111',
            workloadAccountId: '222222222222',
            region: 'us-east-1',
            clusterName: 'shop-prod',
            oidcIssuerUrl:
              'https://oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF',
            namespace: 'aws-lbc',
            serviceAccountName: 'controller',
            roleName: 'shop-prod-load-balancer-controller',
          },
        },
      ],
    }),
  },
];
