import { AwsCredentialsManager } from '@backstage/integration-aws-node';
import { sandboxCredentialsManager } from '../accounts';

/** How the stand-ins reach an account: the backend's credential manager, as the plugins do. */
export interface StandInAwsOptions {
  /** Defaults to the sandbox's own manager over the sandbox accounts. */
  credentialsManager?: AwsCredentialsManager;
}

/** SDK client options acting as `accountId` in `region` through the configured role. */
export async function clientOptionsFor(
  accountId: string,
  region: string,
  credentialsManager?: AwsCredentialsManager,
) {
  const manager = credentialsManager ?? sandboxCredentialsManager();
  const { sdkCredentialProvider } = await manager.getCredentialProvider({
    accountId,
  });
  return { region, credentials: sdkCredentialProvider };
}

export const ACCOUNT_ID_PATTERN = /^\d{12}$/;
export const REGION_PATTERN = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
