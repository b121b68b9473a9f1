/** The actions a policy document allows, as `service:Action` strings (wildcards not expanded). */
export function policyActions(policy: object): Set<string> {
  const statements = (
    policy as {
      Statement: Array<{ Effect: string; Action: string | string[] }>;
    }
  ).Statement;
  return new Set(
    statements
      .filter(s => s.Effect === 'Allow')
      .flatMap(s => (Array.isArray(s.Action) ? s.Action : [s.Action])),
  );
}
