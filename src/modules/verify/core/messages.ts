/** The wording of both verifiers (CLI and verify.html): one table, Chinese first. */

export type CheckKey =
  | 'bag.structure'
  | 'bag.info'
  | 'bag.oxum'
  | 'bag.manifest'
  | 'bag.complete'
  | 'bag.tagmanifest'
  | 'metadata'
  | 'keys'
  | 'checkpoint.signature'
  | 'checkpoint.sm2'
  | 'checkpoint.cosignature'
  | 'event.hash'
  | 'event.inclusion'
  | 'item.file'
  | 'item.ingest'
  | 'item.custody'
  | 'item.anchor'
  | 'timestamp';

export const CHECK_LABELS: Record<CheckKey, { zh: string; en: string }> = {
  'bag.structure': { zh: '包结构（bagit.txt 与必需文件）', en: 'bag structure (bagit.txt, required files)' },
  'bag.info': { zh: '包信息（bag-info.txt）', en: 'bag information (bag-info.txt)' },
  'bag.oxum': { zh: '载荷字节数与文件数（Payload-Oxum）', en: 'payload octets and file count (Payload-Oxum)' },
  'bag.manifest': { zh: '载荷文件的 SHA-256 与 SM3 摘要', en: 'payload file SHA-256 and SM3 digests' },
  'bag.complete': { zh: '文件齐全（无缺失、无清单外文件）', en: 'completeness (no file missing, none unlisted)' },
  'bag.tagmanifest': { zh: '标签文件清单（tagmanifest）', en: 'tag manifests' },
  metadata: { zh: '元数据（package.json、keys.json、检查点）', en: 'metadata (package.json, keys.json, checkpoint)' },
  keys: { zh: '公钥', en: 'public keys' },
  'checkpoint.signature': { zh: '检查点签名（日志密钥 Ed25519）', en: 'checkpoint signature (log key, Ed25519)' },
  'checkpoint.sm2': { zh: '检查点 SM2 签名', en: 'checkpoint SM2 signature' },
  'checkpoint.cosignature': { zh: '见证方联署', en: 'witness cosignature' },
  'event.hash': { zh: '审计事件哈希重算', en: 'audit event hash recomputed' },
  'event.inclusion': { zh: '事件包含证明（至检查点）', en: 'event inclusion proof (to the checkpoint)' },
  'item.file': { zh: '原始文件摘要与大小', en: 'original file digests and size' },
  'item.ingest': { zh: '入库事件记载该文件的 SHA-256', en: 'ingest event names the file SHA-256' },
  'item.custody': { zh: '保管链事件已证明', en: 'custody events proven' },
  'item.anchor': { zh: '证明基础（包结构、公钥、检查点签名、联署、时间戳）', en: 'what the proofs rest on (bag, keys, checkpoint signatures, cosignatures, timestamps)' },
  timestamp: { zh: '可信时间戳（RFC 3161）', en: 'trusted timestamp (RFC 3161)' },
};

export const WORDS = {
  pass: { zh: '通过', en: 'passed' },
  fail: { zh: '未通过', en: 'FAILED' },
  skipped: { zh: '未检查', en: 'not checked' },
  allGood: { zh: '全部检查通过', en: 'all checks passed' },
  somethingFailed: { zh: '以下检查未通过', en: 'these checks failed' },
  notPinned: { zh: '所用公钥取自证据包本身（未固定），请与机关公布的公钥指纹核对', en: 'keys from the package (not pinned): compare the fingerprints with the ones the agency published' },
  pinned: { zh: '公钥已固定', en: 'keys pinned' },
  item: { zh: '证据', en: 'item' },
} as const;
