import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Let external-dns of a cluster keep the records of one public zone in a DNS account, through its own IRSA role there',
    example: yaml.stringify({
      steps: [
        {
          id: 'externalDnsRole',
          action: 'aws:iam:ensure-external-dns-role',
          name: "Ensure external-dns's role in the DNS account",
          input: {
            dnsAccountId: '555555555555',
            workloadAccountId: '222222222222',
            region: 'us-east-1',
            clusterName: 'shop-prod',
            oidcIssuerUrl:
              'https://oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF',
            hostedZoneId: 'Z0123456789ABCDEFGHIJ',
            hostedZoneName: 'example.com',
          },
        },
      ],
    }),
  },
];
