import type { StoredEvent } from './evidence-packages.repository.ts';
import type { PackageMetadata } from './package-metadata.ts';

/**
 * data/metadata/custody.jsonld — the custody of each item as a CASE/UCO (1.x) JSON-LD graph: each original an
 * observable:File with its SHA-256 and SM3, an investigation:ProvenanceRecord naming it as an exhibit, and each
 * audit event of its custody (ingest, views, copies, checks, this package) an investigation:InvestigativeAction
 * on it, with the audit sequence number and event hash that the package's proofs cover.
 */

const CONTEXT = {
  kb: 'https://quanlu.invalid/kb/',
  quanlu: 'https://quanlu.invalid/ns#',
  core: 'https://ontology.unifiedcyberontology.org/uco/core/',
  observable: 'https://ontology.unifiedcyberontology.org/uco/observable/',
  types: 'https://ontology.unifiedcyberontology.org/uco/types/',
  action: 'https://ontology.unifiedcyberontology.org/uco/action/',
  identity: 'https://ontology.unifiedcyberontology.org/uco/identity/',
  vocabulary: 'https://ontology.unifiedcyberontology.org/uco/vocabulary/',
  investigation: 'https://ontology.caseontology.org/case/investigation/',
  xsd: 'http://www.w3.org/2001/XMLSchema#',
};

const hash = (method: string, hex: string) => ({
  '@type': 'types:Hash',
  'types:hashMethod': method === 'SHA256' ? { '@type': 'vocabulary:HashNameVocab', '@value': 'SHA256' } : method,
  'types:hashValue': { '@type': 'xsd:hexBinary', '@value': hex },
});

const dateTime = (iso: string) => ({ '@type': 'xsd:dateTime', '@value': iso });

export function custodyGraph(m: PackageMetadata, agency: string, events: Map<string, StoredEvent>): unknown {
  const graph: unknown[] = [
    { '@id': 'kb:agency', '@type': 'identity:Organization', 'core:name': agency },
    { '@id': `kb:user-${m.createdBy.id}`, '@type': 'identity:Person', 'core:name': m.createdBy.name },
  ];
  const actors = new Map<string, string>();
  const actorOf = (e: StoredEvent) => {
    const id = e.actor_id ? `kb:user-${e.actor_id}` : `kb:system-${e.actor_label.replace(/[^A-Za-z0-9._-]/g, '_')}`;
    if (!actors.has(id) && id !== `kb:user-${m.createdBy.id}`) actors.set(id, e.actor_label);
    return id;
  };
  for (const it of m.items) {
    const file = `kb:file-${it.recordingId}`;
    graph.push({
      '@id': file,
      '@type': 'observable:File',
      'core:name': it.fileName,
      'core:hasFacet': [
        { '@type': 'observable:FileFacet', 'observable:fileName': it.fileName, 'observable:sizeInBytes': it.size, 'observable:mimeType': it.mediaType },
        { '@type': 'observable:ContentDataFacet', 'observable:sizeInBytes': it.size, 'observable:hash': [hash('SHA256', it.sha256), hash('SM3', it.sm3)] },
      ],
      'quanlu:packagePath': it.path,
    });
    graph.push({
      '@id': `kb:provenance-${it.recordingId}`,
      '@type': 'investigation:ProvenanceRecord',
      'investigation:exhibitNumber': String(it.n),
      'core:description': it.madeBy,
      'core:object': [{ '@id': file }],
    });
    for (const seq of [it.ingestEventSeq, ...it.custodyEventSeqs.filter((s) => s !== it.ingestEventSeq)]) {
      const e = events.get(seq);
      if (!e) continue;
      graph.push({
        '@id': `kb:event-${seq}-${it.recordingId}`,
        '@type': 'investigation:InvestigativeAction',
        'core:name': e.action,
        'action:startTime': dateTime(e.at.toISOString()),
        'action:performer': { '@id': actorOf(e) },
        'action:object': [{ '@id': file }],
        'quanlu:auditSeq': seq,
        'quanlu:eventHash': e.hash.toString('hex'),
        'quanlu:proof': `data/proof/events/${seq}.tlog-proof`,
      });
    }
  }
  for (const [id, label] of actors) graph.push({ '@id': id, '@type': id.startsWith('kb:user-') ? 'identity:Person' : 'core:UcoObject', 'core:name': label });
  graph.push({
    '@id': `kb:package-${m.packageId}`,
    '@type': 'investigation:InvestigativeAction',
    'core:name': 'evidence package',
    'action:startTime': dateTime(m.createdAt),
    'action:performer': { '@id': `kb:user-${m.createdBy.id}` },
    'action:object': m.items.map((it) => ({ '@id': `kb:file-${it.recordingId}` })),
  });
  return { '@context': CONTEXT, '@graph': graph };
}
