import { parentPort } from 'node:worker_threads';
import pg from 'pg';
import { CHAIN_COLUMNS, walkChainRange, type ChainRow } from './chain-range.ts';

const RANGE_SQL = `SELECT ${CHAIN_COLUMNS} FROM audit_event WHERE seq >= $1 AND seq <= $2 ORDER BY seq LIMIT $3`;

/** A range of the chain to walk on this thread, over its own connection. */
export interface RangeTask {
  id: number;
  from: string;
  to: string;
  batchSize: number;
}

/** A walked range as posted back: sequence numbers as text, the sound rows' hashes concatenated (32 bytes each). */
export interface RangeReply {
  id: number;
  firstPrev?: Uint8Array;
  next: string;
  lastHash?: Uint8Array;
  checked: number;
  failure?: { seq: string; reason: 'missing' | 'link' | 'hash' };
  hashes: Uint8Array;
  error?: string;
}

// One connection per thread, opened when the pool sends the connection string (before any range).
const port = parentPort!;
let client: pg.Client | undefined;
port.on('message', (m: { connectionString: string } | RangeTask) => {
  if ('connectionString' in m) {
    client = new pg.Client({ connectionString: m.connectionString, application_name: 'quanlu audit verify' });
    client.on('error', () => undefined);
    void client.connect().then(
      () => port.postMessage({ ready: true }),
      (e: unknown) => port.postMessage({ ready: false, error: e instanceof Error ? e.message : String(e) }),
    );
    return;
  }
  // Copied, not transferred: a small Buffer.concat may share its memory with Node's buffer pool.
  void walk(m).then((reply) => port.postMessage(reply));
});

async function walk(t: RangeTask): Promise<RangeReply> {
  const hashes: Buffer[] = [];
  try {
    const r = await walkChainRange(
      async (fromSeq, toSeq, limit) => (await client!.query<ChainRow>(RANGE_SQL, [fromSeq.toString(), toSeq.toString(), limit])).rows,
      BigInt(t.from),
      BigInt(t.to),
      t.batchSize,
      (_seq, hash) => hashes.push(hash),
    );
    return {
      id: t.id,
      ...(r.firstPrev && { firstPrev: r.firstPrev }),
      next: r.next.toString(),
      ...(r.lastHash && { lastHash: r.lastHash }),
      checked: r.checked,
      ...(r.failure && { failure: { seq: r.failure.seq.toString(), reason: r.failure.reason } }),
      hashes: Buffer.concat(hashes),
    };
  } catch (e) {
    return { id: t.id, next: t.from, checked: 0, hashes: new Uint8Array(0), error: e instanceof Error ? e.message : String(e) };
  }
}
