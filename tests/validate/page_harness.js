// Runs the coders' page script (argv[2]: the page) in Node with a minimal stand-in for the
// DOM, answers every item with its first option (themes: the first), clicks "Download" and
// prints the downloaded CSV. Used by test_page.py: the page's own script, no browser.
const fs = require('fs');
const page = fs.readFileSync(process.argv[2], 'utf8');
const json = (id) => page.match(new RegExp('<script type="application/json" id="' + id + '">([\\s\\S]*?)</script>'))[1];
const script = [...page.matchAll(/<script>([\s\S]*?)<\/script>/g)].pop()[1];
const created = [];
function element(tag) {
  const e = {tag, children: [], className: '', textContent: '', value: '', appendChild(c) { this.children.push(c); return c; },
    click() { if (this.download) { downloaded = this; } }};
  created.push(e);
  return e;
}
const byId = {items: {textContent: json('items')}, themes: {textContent: json('themes')}};
for (const id of ['word_intrusion', 'topic_intrusion', 'coding', 'count', 'download', 'coder']) byId[id] = element('div');
byId.coder.value = 'tester';
let downloaded = null, blobText = null;
global.document = {getElementById: (id) => byId[id], createElement: element, createTextNode: (t) => ({text: t}),
  body: {appendChild() {}, removeChild() {}}};
global.localStorage = {getItem: () => null, setItem() {}};
global.Blob = function (parts) { blobText = parts.join(''); };
global.URL = {createObjectURL: () => 'blob:answers'};
eval(script);
const seen = new Set();
for (const e of created) {
  if (e.tag === 'input' && !seen.has(e.name)) { seen.add(e.name); e.checked = true; e.onchange(); }
  if (e.tag === 'select') { e.value = '1'; e.onchange(); }
}
byId.download.onclick();
process.stdout.write(JSON.stringify({file: downloaded.download, count: byId.count.textContent, csv: blobText}));
