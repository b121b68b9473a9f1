import {
  DescribeSecurityGroupsCommand,
  EC2Client,
  SecurityGroup,
} from '@aws-sdk/client-ec2';
import { call, ScopeBase } from './action';
import { unlessAwsError } from '@cross-account-alb/plugin-aws-cross-account-node';

/**
 * The security group named `groupName` in `vpcId`, if there is one (names are unique per
 * VPC). The ensure and delete actions both start here; each decides what a group without the
 * project's managed-by tag means for it.
 */
export async function findSecurityGroupByName(
  ec2: EC2Client,
  scope: ScopeBase,
  vpcId: string,
  groupName: string,
): Promise<SecurityGroup | undefined> {
  const found = await call(scope, 'ec2:DescribeSecurityGroups', () =>
    ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [
          { Name: 'vpc-id', Values: [vpcId] },
          { Name: 'group-name', Values: [groupName] },
        ],
      }),
    ),
  );
  return found.SecurityGroups?.find(g => g.GroupName === groupName);
}

/**
 * The security group `groupId`, or undefined when it does not exist (or the ID is malformed).
 * The allow and revoke actions both start from the node group this way; each decides what a
 * missing group means for it.
 */
export async function findSecurityGroupById(
  ec2: EC2Client,
  scope: ScopeBase,
  groupId: string,
): Promise<SecurityGroup | undefined> {
  const found = await call(scope, 'ec2:DescribeSecurityGroups', () =>
    unlessAwsError(
      ['InvalidGroup.NotFound', 'InvalidGroupId.Malformed'],
      ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] })),
    ),
  );
  return found?.SecurityGroups?.[0];
}
