import { TARGET_HEALTH_STATES } from '@cross-account-alb/plugin-aws-alb-common';
import {
  REASON_CODE_EXPLANATIONS,
  TARGET_STATE_LABELS,
  explainReasonCode,
} from './reasonCodes';

// Every reason code listed in the project's domain notes (from the ELBv2 API reference).
const DOCUMENTED_REASON_CODES = [
  'Elb.RegistrationInProgress',
  'Elb.InitialHealthChecking',
  'Target.ResponseCodeMismatch',
  'Target.Timeout',
  'Target.FailedHealthChecks',
  'Elb.InternalError',
  'Target.NotRegistered',
  'Target.NotInUse',
  'Target.InvalidState',
  'Target.IpUnusable',
  'Target.DeregistrationInProgress',
  'Target.HealthCheckDisabled',
];

describe('reason codes', () => {
  it.each(DOCUMENTED_REASON_CODES)('explains %s', code => {
    const explanation = REASON_CODE_EXPLANATIONS[code];
    expect(explanation).toBeDefined();
    expect(explanation.meaning.length).toBeGreaterThan(10);
    expect(explanation.check.length).toBeGreaterThan(10);
  });

  it('explains exactly the documented codes', () => {
    expect(Object.keys(REASON_CODE_EXPLANATIONS).sort()).toEqual(
      [...DOCUMENTED_REASON_CODES].sort(),
    );
  });

  it('points a response code mismatch at the health-check path', () => {
    const { meaning, check } = explainReasonCode('Target.ResponseCodeMismatch');
    expect(meaning).toMatch(/health-check path/);
    expect(check).toMatch(/healthcheck-path/);
  });

  it('points a timeout at the security group rule between the accounts', () => {
    expect(explainReasonCode('Target.Timeout').check).toMatch(/security group/);
  });

  it('falls back to the AWS description for an unknown code', () => {
    expect(explainReasonCode('Target.Brandnew', 'Something new')).toEqual({
      meaning: 'Something new',
      check: expect.stringContaining('Target.Brandnew'),
    });
    expect(explainReasonCode('Target.Brandnew').meaning).toBe(
      'AWS reports Target.Brandnew.',
    );
  });

  it('labels every target health state', () => {
    for (const state of TARGET_HEALTH_STATES) {
      expect(TARGET_STATE_LABELS[state]).toBeTruthy();
    }
  });
});
