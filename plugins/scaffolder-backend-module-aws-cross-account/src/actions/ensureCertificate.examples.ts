import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'A certificate in the network account for a name whose zone lives in a DNS account',
    example: yaml.stringify({
      steps: [
        {
          id: 'certificate',
          action: 'aws:acm:ensure-certificate',
          name: 'Ensure the HTTPS certificate',
          input: {
            networkAccountId: '111111111111',
            region: 'us-east-1',
            hostName: 'shop.example.com',
            dnsAccountId: '555555555555',
            hostedZoneId: 'Z0123456789ABCDEFGHIJ',
            hostedZoneName: 'example.com',
          },
        },
      ],
    }),
  },
  {
    description:
      'The zone in the network account itself, waiting at most five minutes for ACM',
    example: yaml.stringify({
      steps: [
        {
          id: 'certificate',
          action: 'aws:acm:ensure-certificate',
          name: 'Ensure the HTTPS certificate',
          input: {
            networkAccountId: '111111111111',
            region: 'eu-west-1',
            hostName: 'api.shop.example.com',
            dnsAccountId: '111111111111',
            hostedZoneId: 'Z09876543210ZYXWVUTSR',
            hostedZoneName: 'shop.example.com',
            waitTimeoutSeconds: 300,
          },
        },
      ],
    }),
  },
];
