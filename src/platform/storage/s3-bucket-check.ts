import { StartupError } from '../http/listen-check.ts';
import type { ObjectStore } from './object-store.ts';
import { S3ObjectStore } from './s3-object-store.ts';

/**
 * Start-up check of the object store: an S3 bucket must have versioning AND Object Lock enabled, or the
 * originals' write-once protection (COMPLIANCE retention) would not exist — a server then refuses to run
 * (StartupError: one line in English and Chinese, exit code 2). An unreachable bucket or refused credentials
 * stop it the same way. The local store needs nothing (its folder is made on first use).
 */
export async function assertObjectStoreReady(storage: ObjectStore): Promise<void> {
  if (!(storage instanceof S3ObjectStore)) return;
  const { client, sdk } = await storage.sdk();
  const bucket = storage.bucket;
  let versioning: string | undefined;
  let lock: string | undefined;
  try {
    versioning = (await client.send(new sdk.GetBucketVersioningCommand({ Bucket: bucket }))).Status;
    lock = await client
      .send(new sdk.GetObjectLockConfigurationCommand({ Bucket: bucket }))
      .then((r) => r.ObjectLockConfiguration?.ObjectLockEnabled)
      .catch((error: unknown) => {
        const name = (error as { name?: string }).name;
        if (name === 'ObjectLockConfigurationNotFoundError' || name === 'NoSuchObjectLockConfiguration') return undefined;
        throw error;
      });
  } catch (error) {
    const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    const what = `${e.name ?? 'error'}${e.$metadata?.httpStatusCode ? ` ${e.$metadata.httpStatusCode}` : ''}`;
    throw new StartupError(
      `The S3 bucket ${bucket} cannot be used (${what}): check QUANLU_S3_ENDPOINT, QUANLU_S3_BUCKET and the credentials / ` +
        `无法使用 S3 存储桶 ${bucket}（${what}）：请检查 QUANLU_S3_ENDPOINT、QUANLU_S3_BUCKET 和访问凭据`,
    );
  }
  if (versioning !== 'Enabled' || lock !== 'Enabled') {
    const missing = [versioning !== 'Enabled' && 'versioning', lock !== 'Enabled' && 'Object Lock'].filter(Boolean).join(' and ');
    const missingZh = [versioning !== 'Enabled' && '版本控制', lock !== 'Enabled' && '对象锁定（Object Lock）'].filter(Boolean).join('和');
    throw new StartupError(
      `The S3 bucket ${bucket} does not have ${missing} enabled, so originals could be deleted or overwritten: ` +
        `create a bucket with Object Lock (see README, "Object storage") and set QUANLU_S3_BUCKET to it / ` +
        `S3 存储桶 ${bucket} 未启用${missingZh}，原始声像资料可能被删除或覆盖：请新建启用对象锁定的存储桶（见 README“对象存储”）并设置 QUANLU_S3_BUCKET`,
    );
  }
}
