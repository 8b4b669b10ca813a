package docsite

// harnessHTML drives the docs page like a reader would, inside headless
// Chromium: it loads the page in an iframe (Chromium runs with
// --allow-file-access-from-files, so the harness may read the frame's DOM),
// waits until React has hydrated Redoc's server-rendered markup, clicks
// through to the overview (for the download links), adds an image from
// another host, which the page must refuse, and then, for every operation
// the test lists, clicks through to it, opens its security details and
// every scheme's tab, and selects every response code and every example of
// it. After each step it records the rendered text (innerText, so only what
// is on screen after scripts ran) of the page or of the operation's own
// section, the links and the images a reader sees that did not load. On
// each operation it draws each character of the title's Chinese text on a
// canvas in the title's font: without a font that has them, every character
// is the same box (or nothing). It ends by writing everything as JSON into
// <pre id="result">, which `chromium --dump-dom` prints.
//
// Every wait is for a condition, polled under a deadline: before each
// snapshot the page must show what the test will look for (the texts, the
// download links, the selected scheme's header, the selected example's
// error code), so a slow machine makes the test slower, not wrong. Fixed
// sleeps let it snap a value not yet drawn under load.
// The %s are replaced with the page's file:// URL and the JSON object of
// what each step waits for (harnessWant).
const harnessHTML = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>docsite harness</title></head>
<body><pre id="result"></pre>
<iframe id="page" src="%s" style="width:1400px;height:1000px"></iframe>
<script>
const want = %s;
const result = {steps: [], error: "", problems: [], networkBlocked: null, cjk: {}, remoteImagesBlocked: null};
const sleep = ms => new Promise(r => setTimeout(r, ms));
const frame = document.getElementById('page');
const doc = () => frame.contentDocument;
async function until(what, fn) {
  for (let i = 0; i < 300; i++) {
    let v = null;
    try { v = fn(); } catch (e) {}
    if (v && !(Array.isArray(v) && v.length === 0)) return v; // an empty list is not there yet
    await sleep(100);
  }
  throw new Error('gave up waiting for ' + what);
}
// shows is a condition: the page's rendered text (or el's) contains every
// one of texts. Redoc renders sections lazily, so it is polled.
const shows = (texts, el) => () => texts.every(s => (el ? el() : doc().body).innerText.includes(s));
const hydrated = d => !!d.getElementById('redoc') &&
  Object.keys(d.getElementById('redoc')).some(k => k.startsWith('__reactContainer'));
const shown = e => e.getClientRects().length > 0;
// snap records el's rendered text (the page's by default) and the page's
// links and images.
function snap(name, el) {
  const d = doc(), e = el ? el() : d.body;
  result.steps.push({
    name: name,
    hash: frame.contentWindow.location.hash,
    hydrated: hydrated(d),
    text: e ? e.innerText : '',
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
  // Redoc's lazy sections have content-visibility: auto, which skips their
  // rendering until a frame finds them near the viewport, and until then
  // their innerText is "". Headless Chromium under virtual time makes that
  // frame late or never, so the harness reads them as a reader who scrolled
  // there sees them: rendered.
  const eager = doc().createElement('style');
  eager.textContent = '* { content-visibility: visible !important; }';
  doc().head.appendChild(eager);
  // On time-out, the snapshot shows the test which of the texts is missing.
  await until('the landing page to show ' + JSON.stringify(want.landing), shows(want.landing)).catch(() => {});
  snap('landing');
  (await until('the sidebar link to the overview', () => link('/'))).click();
  await until('the download links', () => want.downloads.every(f => doc().querySelector('a[download][href="' + f + '"]')));
  snap('overview');
  result.remoteImagesBlocked = await blocksRemoteImages();
  // What goes wrong with one operation is recorded, and the next is checked.
  for (const op of want.operations) {
    await checkOperation(op).catch(e => result.problems.push(op.id + ': ' + String(e && e.message || e)));
  }
}
// checkOperation clicks the sidebar link to op (Redoc ends its href with the
// operationId, lower-cased) and reads op's own section of the page only, as
// the operations share text (one's path is the start of another's).
async function checkOperation(op) {
  const a = await until('the sidebar link to the operation',
    () => [...doc().querySelectorAll('a[href]')].find(a => a.getAttribute('href').endsWith('/' + op.id.toLowerCase())));
  const id = a.getAttribute('href').replace(/^#/, '');
  a.click();
  const section = () => doc().querySelector('[data-section-id="' + id + '"]');
  await until('the operation to show ' + JSON.stringify(op.texts), shows(op.texts, section)).catch(() => {});
  snap('operation ' + op.id, section);
  if (op.cjk) result.cjk[op.id] = glyphs(op.cjk);
  // The security details open outside the section, so they are the tabs
  // that were not there before the click.
  const before = new Set(doc().querySelectorAll('[role="tab"]'));
  if (op.schemes.length > 0) {
    (await until('the security details button', () => exact(section(), 'button, a, span', 'View security details')[0])).click();
  }
  for (const s of op.schemes) {
    const tab = await until('the security tab ' + s, () => exact(doc(), '[role="tab"]', s).find(e => !before.has(e)));
    const details = () => tab.closest('[role="tablist"]').parentElement;
    tab.click();
    await until('the ' + s + ' tab to show ' + want.headers[s],
      () => tab.getAttribute('aria-selected') !== 'false' && shows([want.headers[s]], details)());
    snap(op.id + ' security ' + s, details);
  }
  const panel = () => section().querySelector('.panel-response-samples');
  // sample waits until the samples panel shows one of codes (none: nothing
  // of the panel is checked).
  const sample = (what, codes) => codes.length === 0 ? null :
    until(what + ' to show one of ' + codes, () => codes.some(c => panel().innerText.includes(c)));
  for (const [code, examples] of Object.entries(op.responses)) {
    (await until('the response ' + code + ' in the samples panel',
      () => [...panel().querySelectorAll('button')].find(b => b.textContent.trim() === code))).click();
    await sample('the ' + code + ' sample', Object.values(examples).filter(Boolean));
    snap(op.id + ' response ' + code, panel);
    const dropdown = () => panel().querySelector('button[aria-haspopup="menu"]');
    if (!dropdown()) continue;
    // Each example by its summary (the spec's), waiting for its error code.
    for (const [label, errorCode] of Object.entries(examples)) {
      if (dropdown().getAttribute('aria-expanded') !== 'true') dropdown().click();
      const item = await until('the example ' + JSON.stringify(label) + ' in the menu of ' + code,
        () => [...doc().querySelectorAll('[role="menuitem"]')].find(m => m.textContent.trim() === label));
      item.click();
      await sample('the example ' + JSON.stringify(label), [errorCode].filter(Boolean));
      snap(op.id + ' response ' + code + ' example ' + label, panel);
    }
  }
}
main().catch(e => { result.error = String(e && e.stack || e); }).finally(() => {
  document.getElementById('result').textContent = JSON.stringify(result);
});
</script></body></html>
`
