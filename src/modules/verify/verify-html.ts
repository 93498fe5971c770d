import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * verify.html, the self-contained offline verifier page that ships in every evidence package (a tag file):
 * built from source (browser/verify-page.ts and the shared core) by esbuild into one inline script, once per
 * process. Its Content-Security-Policy allows no network at all (default-src 'none'), only this script (by
 * its hash), the hashing workers it starts from Blob URLs, inline styles, and WebAssembly compilation for the
 * SHA-256/SM3 hashers.
 */

const browserDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'browser');
let cached: Promise<string> | undefined;

const STYLE = `
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",system-ui,sans-serif;margin:0 auto;max-width:980px;padding:16px 24px;color:#1f1f1f}
h1{font-size:22px;margin:8px 0}h2{font-size:17px;margin:18px 0 6px}h3{font-size:15px;margin:6px 0}
.en{color:#666;font-size:.9em}
#drop{border:2px dashed #8c8c8c;border-radius:8px;padding:20px;text-align:center;background:#fafafa}
#drop.over{background:#e6f4ff;border-color:#1677ff}
details{margin:10px 0}textarea{width:100%;font-family:monospace;font-size:12px}
progress{width:100%;height:14px}
.verdict{font-size:20px;font-weight:bold;padding:12px 16px;border-radius:8px;margin:14px 0;background:#f0f0f0}
.verdict.ok{background:#f6ffed;color:#237804;border:1px solid #b7eb8f}.verdict.bad{background:#fff1f0;color:#a8071a;border:1px solid #ffa39e}
ul{list-style:none;padding-left:4px;margin:4px 0}li{margin:3px 0}
li.ok .mark{color:#389e0d;font-weight:bold}li.bad{color:#a8071a}li.bad .mark{font-weight:bold}li.skip{color:#8c8c8c}
.detail{font-size:12px;color:#595959;margin-left:22px;word-break:break-all}
.item{border:1px solid #d9d9d9;border-radius:8px;padding:8px 12px;margin:8px 0}.item.ok{border-color:#b7eb8f}.item.bad{border-color:#ffa39e;background:#fff8f7}
.badge{font-size:13px;padding:2px 8px;border-radius:10px;margin-left:8px}.item.ok .badge{background:#d9f7be;color:#237804}.item.bad .badge{background:#ffccc7;color:#a8071a}
p.warn{color:#ad6800;background:#fffbe6;border:1px solid #ffe58f;padding:6px 10px;border-radius:6px}
code{font-size:12px;word-break:break-all}
#files .file{display:grid;grid-template-columns:1fr 220px 48px;gap:8px;align-items:center;font-size:12px;margin:2px 0}
#files .file progress{height:10px}#files .file .pct{text-align:right}#timing{font-size:12px;color:#595959}
`;

async function bundle(file: string, define: Record<string, string> = {}): Promise<string> {
  const out = await build({
    entryPoints: [path.join(browserDir, file)],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: ['chrome110'],
    minify: true,
    legalComments: 'inline',
    logLevel: 'silent',
    define,
  });
  return out.outputFiles[0]!.text;
}

async function buildHtml(): Promise<string> {
  // The hashing worker's code travels inside the page's one script as a string; the page starts it from a
  // Blob URL (worker-src blob:, which only this script can mint: script-src admits nothing else).
  const worker = await bundle('hash-worker.ts');
  const script = (await bundle('verify-page.ts', { __QUANLU_HASH_WORKER__: JSON.stringify(worker) })).replace(/<\/(script)/gi, '<\\/$1');
  const hash = createHash('sha256').update(script).digest('base64');
  const csp = `default-src 'none'; script-src 'sha256-${hash}' 'wasm-unsafe-eval'; worker-src blob:; style-src 'unsafe-inline'; img-src data:`;
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>全录证据包核验 QuanLu evidence package verifier</title>
<style>${STYLE}</style>
</head>
<body>
<h1>全录证据包离线核验 <span class="en">QuanLu evidence package — offline verification</span></h1>
<p>选择或拖入证据包 ZIP 文件。核验全部在本机浏览器中进行，不联网，不上传任何数据。<br>
<span class="en">Pick or drop the evidence package ZIP. Everything is checked in this browser, offline; nothing is uploaded.</span></p>
<div id="drop"><label>选择证据包 <span class="en">Choose package</span> (.zip)：<input type="file" id="file" accept=".zip,application/zip"></label><br>
<span class="en">或将文件拖到此处 / or drop the file here</span></div>
<details><summary>固定公钥（可选） <span class="en">Pin keys (optional)</span></summary>
<p>填入机关公布的日志公钥（vkey，每行一个，可含 SM2 公钥）；填写后只信任这些公钥，不信任证据包中的 keys.json。<br>
<span class="en">Enter the log keys the agency published (vkeys, one per line, the SM2 key's too); then only these are trusted, not the package's keys.json.</span></p>
<label>日志公钥 <span class="en">Log keys</span><textarea id="pin-log" rows="2"></textarea></label>
<label>见证方公钥 <span class="en">Witness keys</span><textarea id="pin-witness" rows="2"></textarea></label></details>
<div>总进度 <span class="en">Overall</span> <progress id="overall" value="0" max="1"></progress></div>
<div id="files"></div>
<div id="timing"></div>
<div id="verdict" class="verdict">等待选择文件 <span class="en">Waiting for a file</span></div>
<div id="items"></div>
<div id="checks"></div>
<div id="keys"></div>
<script>${script}</script>
</body>
</html>
`;
}

/** The verify.html page as a string (built on first use, then cached for the process). */
export function verifyHtml(): Promise<string> {
  cached ??= buildHtml();
  cached.catch(() => (cached = undefined));
  return cached;
}
