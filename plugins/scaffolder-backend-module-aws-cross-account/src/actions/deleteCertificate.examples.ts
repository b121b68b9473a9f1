import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      "Delete an application's certificate and its validation record once no listener uses it",
    example: yaml.stringify({
      steps: [
        {
          id: 'certificate',
          action: 'aws:acm:delete-certificate',
          name: 'Delete the HTTPS certificate',
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
];
