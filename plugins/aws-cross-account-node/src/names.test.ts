import { buildControllerRoleName } from './names';

describe('buildControllerRoleName', () => {
  it('names the cluster and its workload account', () => {
    expect(buildControllerRoleName('shop', '222222222222')).toBe(
      'shop-222222222222-aws-lbc',
    );
  });

  it('gives clusters of one name in two workload accounts two roles', () => {
    expect(buildControllerRoleName('shop', '222222222222')).not.toBe(
      buildControllerRoleName('shop', '333333333333'),
    );
  });

  it('keeps long names within 64 characters, distinct and deterministic', () => {
    const a = `${'x'.repeat(60)}-a`;
    const b = `${'x'.repeat(60)}-b`;
    const nameA = buildControllerRoleName(a, '222222222222');
    expect(nameA).toHaveLength(64);
    expect(nameA).toMatch(/^x+-[0-9a-f]{8}-222222222222-aws-lbc$/);
    expect(buildControllerRoleName(a, '222222222222')).toBe(nameA);
    expect(buildControllerRoleName(b, '222222222222')).not.toBe(nameA);
    expect(buildControllerRoleName('y'.repeat(43), '222222222222')).toBe(
      `${'y'.repeat(43)}-222222222222-aws-lbc`,
    );
  });

  it('fits a prefix within the 64 characters', () => {
    const name = buildControllerRoleName(
      'z'.repeat(100),
      '2'.repeat(12),
      'sandbox-',
    );
    expect(name).toHaveLength(64);
    expect(name.startsWith('sandbox-zzz')).toBe(true);
  });
});
