import { CHECK_LABELS, WORDS } from '../core/messages.ts';
import { verifyPackage, type Check, type VerifyReport } from '../core/verify-package.ts';
import { ZipReader } from '../core/zip-reader.ts';

/**
 * The script of verify.html (bundled inline by verify-html.ts): the person picks or drops the package's
 * .zip; it is read by slicing the File (random access, so the central directory and each entry are read
 * where they are, never the whole file into memory), every file hashed with SHA-256 and SM3 as it streams,
 * and the verdict shown per check and per item. No network: the page's CSP is default-src 'none'.
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
  const current = $<HTMLProgressElement>('current');
  const currentName = $('current-name');
  const lines = (id: string) =>
    $<HTMLTextAreaElement>(id)
      .value.split('\n')
      .map((s) => s.trim())
      .filter(Boolean);
  const reader = new ZipReader({
    size: file.size,
    read: async (offset, length) => new Uint8Array(await file.slice(offset, offset + length).arrayBuffer()),
  });
  const started = performance.now();
  let last = 0;
  let report: VerifyReport;
  try {
    report = await verifyPackage(reader, {
      vkeys: lines('pin-log'),
      witnessVkeys: lines('pin-witness'),
      onProgress: (p) => {
        const now = performance.now();
        if (now - last < 100 && p.fileBytes < p.fileSize) return;
        last = now;
        overall.max = Math.max(1, p.totalBytes);
        overall.value = p.doneBytes;
        current.max = Math.max(1, p.fileSize);
        current.value = p.fileBytes;
        currentName.textContent = p.path;
      },
    });
  } catch (e) {
    report = { ok: false, bag: null, packageId: null, pinned: false, items: [], keys: [], checks: [{ key: 'bag.structure', ok: false, detail: `unreadable: ${e instanceof Error ? e.message : String(e)}` }] };
  }
  const seconds = (performance.now() - started) / 1000;
  currentName.textContent = `${(file.size / 1e6).toFixed(1)} MB, ${seconds.toFixed(1)} s`;
  render(report);
  (window as unknown as { quanluVerify: unknown }).quanluVerify = { report, seconds, bytes: file.size };
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
