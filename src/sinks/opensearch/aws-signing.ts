/**
 * AWS Signature Version 4 for the OpenSearch sink's client, for Amazon OpenSearch Service (`es`)
 * and OpenSearch Serverless (`aoss`): the Connection and Transport classes of the official client's
 * own signer (@opensearch-project/opensearch/aws), fed with credentials from aws.access_key_id /
 * aws.secret_access_key, or else from the AWS default credential chain (environment variables,
 * shared config and credentials files, web identity, container or instance role).
 *
 * `awsSigv4ClientOptions(settings, where)` is called once per client and never blocks: credentials
 * are resolved before the first request and again before they expire (the chain caches them).
 * Every request is then signed over its method, path, query, headers and body hash
 * (x-amz-content-sha256), with x-amz-security-token for temporary credentials. When the default
 * chain finds no credentials, the request fails with a ConfigError naming the keys to set.
 */
import type * as CredentialProviderNode from '@aws-sdk/credential-provider-node';
import type { ClientOptions } from '@opensearch-project/opensearch';
import type * as OpenSearchAws from '@opensearch-project/opensearch/aws';
import { ConfigError } from '../../errors.js';
import { lazyRequire } from '../../util/lazy-require.js';
import type { OpenSearchSinkConfig } from './opensearch-sink-config.js';

const credentialProviderNode = lazyRequire<typeof CredentialProviderNode>('@aws-sdk/credential-provider-node');
const openSearchAws = lazyRequire<typeof OpenSearchAws>('@opensearch-project/opensearch/aws');

export type SigV4Settings = NonNullable<OpenSearchSinkConfig['connection']['sigv4']>;
type AwsCredentials = Awaited<ReturnType<ReturnType<typeof CredentialProviderNode.defaultProvider>>>;

/** The client options that sign every request of a Client for `settings.region` and `settings.service`. */
export function awsSigv4ClientOptions(settings: SigV4Settings, where: string): Pick<ClientOptions, 'Connection' | 'Transport'> {
  const { Connection, Transport } = openSearchAws().AwsSigv4Signer({ region: settings.region, service: settings.service, getCredentials: credentialsFor(settings, where) });
  return { Connection, Transport };
}

function credentialsFor(settings: SigV4Settings, where: string): () => Promise<AwsCredentials> {
  const { accessKeyId, secretAccessKey } = settings;
  if (accessKeyId !== null && secretAccessKey !== null) {
    const fixed = { accessKeyId, secretAccessKey };
    return async () => fixed;
  }
  const chain = credentialProviderNode().defaultProvider();
  return async () => {
    try {
      return await chain();
    } catch (error) {
      // Every link of the chain said it has nothing to offer: a person has to provide credentials.
      if ((error as Error).name !== 'CredentialsProviderError') throw error;
      throw new ConfigError(
        `No AWS credentials to sign requests to OpenSearch at ${where} with (${(error as Error).message}): set aws.access_key_id and aws.secret_access_key, or provide credentials through the AWS default chain (environment, profile, container or instance role).`,
        { cause: error },
      );
    }
  };
}
