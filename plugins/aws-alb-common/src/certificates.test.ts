import { certificateWarnings } from './types';

const NOW = Date.parse('2026-12-01T00:00:00Z');
const IN_USE = [
  'arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/app/x/1',
];

describe('certificateWarnings', () => {
  it('says nothing about an issued certificate in use, valid beyond 30 days', () => {
    expect(
      certificateWarnings(
        { status: 'ISSUED', notAfter: '2027-01-15T00:00:00Z', inUseBy: IN_USE },
        NOW,
      ),
    ).toEqual([]);
  });

  it('warns within 30 days of the end of validity, and once it has passed', () => {
    expect(
      certificateWarnings(
        { status: 'ISSUED', notAfter: '2026-12-31T00:00:00Z', inUseBy: IN_USE },
        NOW,
      ),
    ).toEqual(['expires in 30 days (2026-12-31)']);
    expect(
      certificateWarnings(
        { status: 'ISSUED', notAfter: '2026-12-01T12:00:00Z', inUseBy: IN_USE },
        NOW,
      ),
    ).toEqual(['expires in 1 day (2026-12-01)']);
    expect(
      certificateWarnings(
        {
          status: 'EXPIRED',
          notAfter: '2026-11-30T00:00:00Z',
          inUseBy: IN_USE,
        },
        NOW,
      ),
    ).toEqual(['not issued (EXPIRED)', 'expired on 2026-11-30']);
  });

  it('warns about a certificate nothing uses, and one ACM does not have', () => {
    expect(
      certificateWarnings(
        { status: 'ISSUED', notAfter: '2027-06-01T00:00:00Z', inUseBy: [] },
        NOW,
      ),
    ).toEqual(['not in use: ACM renews only certificates in use']);
    expect(
      certificateWarnings({ status: 'NOT_FOUND', inUseBy: [] }, NOW),
    ).toEqual(["not found in ACM of the load balancer's account and region"]);
  });
});
