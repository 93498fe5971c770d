import { CHECK_LABELS, WORDS } from '../core/messages.ts';
import { verifyPackage, type Check, type VerifyReport } from '../core/verify-package.ts';
import { ZipReader } from '../core/zip-reader.ts';
import { workerDigester } from './worker-hashing.ts';

/** The hashing worker's bundled code (verify-html.ts defines it at build time). */
declare const __QUANLU_HASH_WORKER__: string;

/**
 * The script of verify.html (bundled inline by verify-html.ts): the person picks or drops the package's
 * .zip; it is read by slicing the File (random access, so the central directory and each entry are read
 * where they are, never the whole file into memory), every file hashed with SHA-256 and SM3 in Web Workers
 * (worker-hashing.ts) with a progress bar per large file, and the verdict shown per check and per item.
 * No network: the page's CSP is default-src 'none'.
 */

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function checkRow(c: Check): string {
  const cls = c.ok === true ? 'ok' : c.ok === false ? 'bad' : 'skip';
  const mark = c.ok === true ? '✓' : c.ok === false ? '✗' : '–';
  const l = CHECK_LABELS[c.key];
  return `<li class="${cls}"><span class="mark">${mark}</span> ${esc(l.zh)} <span class="en">${esc(l.en)}</span>${c.subject ? ` <code>${esc(c.subject)}</code>` : ''}${c.detail ? `<div class="detail">${esc(c.detail)}</div>` : ''}</li>`;
}

function render(r: VerifyReport): void {
  const verdict = $('verdict');
  verdict.className = r.ok ? 'verdict ok' : 'verdict bad';
  verdict.dataset.ok = String(r.ok);
  verdict.innerHTML = r.ok
    ? `✓ ${WORDS.allGood.zh} <span class="en">${WORDS.allGood.en}</span>`
    : `✗ ${WORDS.fail.zh}：${WORDS.somethingFailed.zh} <span class="en">${WORDS.fail.en}: ${WORDS.somethingFailed.en}</span>`;
  $('items').innerHTML = r.items
    .map(
      (it) => `<section class="item ${it.ok ? 'ok' : 'bad'}" data-item="${it.n}" data-ok="${it.ok}">
      <h3>${WORDS.item.zh} ${it.n}：${esc(it.fileName)} <span class="badge">${it.ok ? `${WORDS.pass.zh} ${WORDS.pass.en}` : `${WORDS.fail.zh} ${WORDS.fail.en}`}</span></h3>
      <ul>${it.checks.map(checkRow).join('')}</ul></section>`,
    )
    .join('');
  $('checks').innerHTML = `<h2>包与证明 <span class="en">Bag and proofs</span></h2><ul>${r.checks.map(checkRow).join('')}</ul>`;
  $('keys').innerHTML = `<h2>公钥指纹 <span class="en">Key fingerprints (SHA-256)</span></h2>
    <p class="${r.pinned ? 'ok' : 'warn'}">${r.pinned ? `${WORDS.pinned.zh} <span class="en">${WORDS.pinned.en}</span>` : `${WORDS.notPinned.zh}<br><span class="en">${WORDS.notPinned.en}</span>`}</p>
    <ul>${r.keys.map((k) => `<li><b>${esc(k.role)}</b> ${esc(k.name)}<br><code>${esc(k.fingerprint)}</code></li>`).join('')}</ul>`;
}

async function run(file: File): Promise<void> {
  document.body.dataset.state = 'running';
  $('verdict').className = 'verdict';
  $('verdict').textContent = `正在核验 Verifying ${file.name}…`;
  $('items').innerHTML = $('checks').innerHTML = $('keys').innerHTML = '';
  const overall = $<HTMLProgressElement>('overall');
  const filesBox = $('files');
  filesBox.innerHTML = $('timing').textContent = '';
  // One bar per file of 1 MiB or more (the recordings); small files count in the overall bar only.
  const bars = new Map<string, { bar: HTMLProgressElement; pct: HTMLElement; bytes: number; size: number }>();
  const barOf = (p: string, size: number) => {
    let b = bars.get(p);
    if (!b && size >= 1 << 20) {
      const row = document.createElement('div');
      row.className = 'file';
      row.dataset.path = p;
      row.innerHTML = `<code>${esc(p)}</code><progress max="${size}" value="0"></progress><span class="pct">0%</span>`;
      filesBox.append(row);
      bars.set(p, (b = { bar: row.querySelector('progress')!, pct: row.querySelector('.pct')!, bytes: 0, size }));
    }
    return b;
  };
  const lines = (id: string) =>
    $<HTMLTextAreaElement>(id)
      .value.split('\n')
      .map((s) => s.trim())
      .filter(Boolean);
  const reader = new ZipReader({
    size: file.size,
    read: async (offset, length) => new Uint8Array(await file.slice(offset, offset + length).arrayBuffer()),
  });
  // verify.html?hashing=page hashes on the page's thread as before the workers (the bench compares both).
  const onPage = new URLSearchParams(location.search).get('hashing') === 'page';
  const digester = onPage ? { digest: undefined, hashedIn: () => 'page thread' } : workerDigester(file, reader, __QUANLU_HASH_WORKER__);
  const started = performance.now();
  let last = 0;
  let report: VerifyReport;
  try {
    report = await verifyPackage(reader, {
      vkeys: lines('pin-log'),
      witnessVkeys: lines('pin-witness'),
      digestEntries: digester.digest,
      onProgress: (p) => {
        const b = barOf(p.path, p.fileSize);
        if (b) b.bytes = p.fileBytes;
        const now = performance.now();
        if (now - last < 100 && p.doneBytes < p.totalBytes) return;
        last = now;
        overall.max = Math.max(1, p.totalBytes);
        overall.value = p.doneBytes;
        for (const x of bars.values()) {
          x.bar.value = x.bytes;
          x.pct.textContent = `${Math.floor((100 * x.bytes) / x.size)}%`;
        }
      },
    });
  } catch (e) {
    report = { ok: false, bag: null, packageId: null, pinned: false, items: [], keys: [], checks: [{ key: 'bag.structure', ok: false, detail: `unreadable: ${e instanceof Error ? e.message : String(e)}` }] };
  }
  const seconds = (performance.now() - started) / 1000;
  $('timing').textContent = `${(file.size / 1e6).toFixed(1)} MB, ${seconds.toFixed(1)} s; 摘要计算 hashed in: ${digester.hashedIn()}`;
  render(report);
  (window as unknown as { quanluVerify: unknown }).quanluVerify = { report, seconds, bytes: file.size, hashedIn: digester.hashedIn() };
  document.body.dataset.state = 'done';
}

const input = $<HTMLInputElement>('file');
input.addEventListener('change', () => {
  if (input.files?.[0]) void run(input.files[0]);
});
const drop = $('drop');
drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  const f = e.dataTransfer?.files[0];
  if (f) void run(f);
});
document.body.dataset.state = 'ready';
