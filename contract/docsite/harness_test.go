package docsite

// harnessHTML drives the docs page like a reader would, inside headless
// Chromium: it loads the page in an iframe (Chromium runs with
// --allow-file-access-from-files, so the harness may read the frame's DOM),
// waits until React has hydrated Redoc's server-rendered markup, clicks
// through to the overview (for the download links) and to the StopTask page, opens the security details and every
// scheme's tab, then selects every response code and every example of it.
// After each step it records the frame's rendered text (innerText, so only
// what is on screen after scripts ran), the links and the images a reader
// sees that did not load. On the StopTask page it draws each character of
// the title's Chinese text on a canvas in the title's font: without a font
// that has them, every character is the same box (or nothing); and it adds
// an image from another host, which the page must refuse. It ends by
// writing everything as JSON into <pre id="result">, which
// `chromium --dump-dom` prints.
//
// The waits are polls under Chromium's virtual time (--virtual-time-budget),
// so they neither slow the test down nor depend on the machine's speed.
// The %s are replaced with the page's file:// URL, the JSON list of security
// scheme names and the title's Chinese text as a JSON string.
const harnessHTML = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>docsite harness</title></head>
<body><pre id="result"></pre>
<iframe id="page" src="%s" style="width:1400px;height:1000px"></iframe>
<script>
const schemes = %s;
const cjkText = %s;
const result = {steps: [], error: "", networkBlocked: null, cjk: null, remoteImagesBlocked: null};
const sleep = ms => new Promise(r => setTimeout(r, ms));
const frame = document.getElementById('page');
const doc = () => frame.contentDocument;
async function until(what, fn) {
  for (let i = 0; i < 300; i++) {
    let v = null;
    try { v = fn(); } catch (e) {}
    if (v) return v;
    await sleep(100);
  }
  throw new Error('gave up waiting for ' + what);
}
// settle waits until the rendered text has not changed for a second: Redoc
// renders sections lazily as they scroll into view.
async function settle() {
  let last = null;
  for (let same = 0, i = 0; same < 10 && i < 300; i++) {
    const now = doc().body.innerText;
    same = now === last ? same + 1 : 0;
    last = now;
    await sleep(100);
  }
}
const hydrated = d => !!d.getElementById('redoc') &&
  Object.keys(d.getElementById('redoc')).some(k => k.startsWith('__reactContainer'));
const shown = e => e.getClientRects().length > 0;
function snap(name) {
  const d = doc();
  result.steps.push({
    name: name,
    hash: frame.contentWindow.location.hash,
    hydrated: hydrated(d),
    text: d.body.innerText,
    downloads: [...d.querySelectorAll('a[download]')].map(a => a.getAttribute('href')),
    links: [...d.querySelectorAll('a[href]')].filter(shown).map(a => a.getAttribute('href')),
    brokenImages: [...d.images].filter(i => shown(i) && !(i.complete && i.naturalWidth > 0)).map(i => i.src || '(no src)'),
  });
}
// glyphs draws each character of text, in the font of the visible heading
// that shows text, and counts those with ink and the distinct drawings.
function glyphs(text) {
  const el = [...doc().querySelectorAll('h1, h2, h3')].find(e => shown(e) && e.textContent.includes(text));
  if (!el) return {found: false};
  const font = frame.contentWindow.getComputedStyle(el).fontFamily;
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 48;
  const g = canvas.getContext('2d');
  g.font = '32px ' + font;
  const drawings = new Set();
  let inked = 0;
  for (const ch of text) {
    g.clearRect(0, 0, 48, 48);
    g.fillText(ch, 4, 36);
    if (g.getImageData(0, 0, 48, 48).data.some((v, i) => i %% 4 === 3 && v > 0)) inked++;
    drawings.add(canvas.toDataURL());
  }
  return {found: true, font: font, inked: inked, distinct: drawings.size};
}
const link = href => [...doc().querySelectorAll('a')].find(a => (a.getAttribute('href') || '').replace(/^#/, '') === href);
const exact = (root, sel, text) => [...root.querySelectorAll(sel)].filter(e => e.textContent.trim() === text);
// blocksRemoteImages adds an image from another host to the page and says
// whether the page's Content-Security-Policy refused it.
async function blocksRemoteImages() {
  const d = doc(), img = d.createElement('img');
  const refused = new Promise(r => d.addEventListener('securitypolicyviolation', () => r(true), {once: true}));
  img.src = 'https://example.com/probe.png';
  d.body.appendChild(img);
  const got = await Promise.race([refused, sleep(2000).then(() => false)]);
  img.remove();
  return got;
}
async function main() {
  result.networkBlocked = await fetch('http://example.com/').then(() => false, () => true);
  await until('the page to load', () => doc() && doc().readyState === 'complete');
  await until('Redoc to hydrate the page', () => hydrated(doc()));
  await settle();
  snap('landing');
  (await until('the sidebar link to the overview', () => link('/'))).click();
  await until('the download links', () => doc().querySelector('a[download]'));
  await sleep(300);
  snap('overview');
  (await until('the sidebar link to the tag', () => link('/migration-tasks'))).click();
  (await until('the link to the operation', () => link('/migration-tasks/stoptask'))).click();
  const panel = await until('the response samples panel', () => doc().querySelector('.panel-response-samples'));
  await settle();
  snap('operation');
  result.cjk = glyphs(cjkText);
  result.remoteImagesBlocked = await blocksRemoteImages();
  const details = await until('the security details button', () => exact(doc(), 'button, a, span', 'View security details')[0]);
  details.click();
  await sleep(500);
  for (const s of schemes) {
    const tabs = await until('the security tab ' + s, () => exact(doc(), '[role="tab"], button, li', s));
    tabs[tabs.length - 1].click();
    await sleep(300);
    snap('security ' + s);
  }
  const codeButtons = () => [...doc().querySelector('.panel-response-samples').querySelectorAll('button')]
    .filter(b => /^\d{3}$/.test(b.textContent.trim()));
  const codes = codeButtons().map(b => b.textContent.trim());
  for (const code of codes) {
    codeButtons().find(b => b.textContent.trim() === code).click();
    await sleep(300);
    snap('response ' + code);
    const dropdown = () => doc().querySelector('.panel-response-samples button[aria-haspopup="menu"]');
    if (!dropdown()) continue;
    dropdown().click();
    await sleep(300);
    const n = doc().querySelectorAll('[role="menuitem"]').length;
    for (let i = 0; i < n; i++) {
      if (dropdown().getAttribute('aria-expanded') !== 'true') { dropdown().click(); await sleep(300); }
      const items = doc().querySelectorAll('[role="menuitem"]');
      if (i >= items.length) break;
      items[i].click();
      await sleep(300);
      snap('response ' + code + ' example ' + i);
    }
  }
}
main().catch(e => { result.error = String(e && e.stack || e); }).finally(() => {
  document.getElementById('result').textContent = JSON.stringify(result);
});
</script></body></html>
`
