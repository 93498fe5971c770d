import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Database } from '../../platform/db/database.ts';
import { StartupError } from '../../platform/http/listen-check.ts';
import { PARTY_ID_KEY_FILE, partyIdKey } from '../cases/party-id-crypto.ts';
import { installationKey } from '../playback/installation-key.ts';
import { NODE_KEY_FILES, sm2KeyId } from '../tlog/tlog-keys.ts';
import * as repo from './node-keys.repository.ts';

const FILES: Record<repo.NodeKeyName, string> = { ed25519: NODE_KEY_FILES.ed25519, sm2: NODE_KEY_FILES.sm2, 'party-id': PARTY_ID_KEY_FILE };

/** The ids of this data folder's installation keys, each created when missing. */
export async function localKeyIds(dataDir: string): Promise<Record<repo.NodeKeyName, string>> {
  return {
    ed25519: (await installationKey(dataDir)).keyId,
    sm2: await sm2KeyId(dataDir),
    'party-id': (await partyIdKey(dataDir)).keyId,
  };
}

/**
 * Start-up check of every node (issue 10 §3: nothing one node needs may live only on another): the keys in this
 * node's data folder are the installation's. The first node of a database creates its keys and records their ids;
 * every later node must hold the same key files (copied from the first node's `keys/` folder, README) — a node
 * lacking one refuses to start without making a key of its own, and a node holding other keys refuses too
 * (its checkpoints would not verify elsewhere and it could not read the party ID numbers the others wrote).
 * Throws StartupError (exit 2) naming the key; returns the ids and whether this start recorded them.
 */
export async function checkNodeKeys(db: Database, dataDir: string): Promise<{ ids: Record<repo.NodeKeyName, string>; recorded: boolean }> {
  const recorded = await repo.recordedKeyIds(db);
  const missing = (Object.keys(FILES) as repo.NodeKeyName[]).filter((k) => recorded.has(k) && !existsSync(path.join(dataDir, FILES[k])));
  if (missing.length) {
    throw new StartupError(
      `This node's data folder lacks the installation keys ${missing.map((k) => FILES[k]).join(', ')} that the other nodes use: ` +
        `copy the keys/ folder of a running node into ${dataDir} (0700, files 0600) and start again / ` +
        `本节点数据目录缺少其他节点使用的安装密钥，请从已运行节点复制 keys/ 目录后重新启动`,
    );
  }
  const ids = await localKeyIds(dataDir);
  const fresh = recorded.size < Object.keys(FILES).length;
  if (fresh) await repo.recordMissingKeyIds(db, ids);
  const now = fresh ? await repo.recordedKeyIds(db) : recorded;
  const differ = (Object.keys(ids) as repo.NodeKeyName[]).filter((k) => now.get(k) !== ids[k]);
  if (differ.length) {
    throw new StartupError(
      `The installation keys in ${path.join(dataDir, 'keys')} are not the ones the other nodes use (${differ.map((k) => `${k}: ${ids[k]} here, ${now.get(k)} recorded`).join('; ')}): ` +
        `copy the keys/ folder of a running node over this one / 本节点的安装密钥与其他节点不同，请复制已运行节点的 keys/ 目录`,
    );
  }
  return { ids, recorded: fresh };
}

/** After a key rotation (`quanlu tlog rotate-key`): the new signing keys become the installation's. */
export async function recordRotatedKeys(db: Database, dataDir: string): Promise<void> {
  const ids = await localKeyIds(dataDir);
  await repo.replaceKeyIds(db, { ed25519: ids.ed25519, sm2: ids.sm2 });
}
