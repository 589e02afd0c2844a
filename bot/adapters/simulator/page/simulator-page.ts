import { normalizeLanguage, translator, DEFAULT_LANGUAGE } from '../../../../shared/i18n/index.js';
import type { SimulatorEvent } from '../simulator-adapter.js';

interface Directory {
  community: { code: string; name: string } | null;
  residents: { platformId: string; name: string; address: string | null }[];
  groups: { platformGroupId: string; name: string; language: string }[];
}

const language =
  normalizeLanguage(new URLSearchParams(location.search).get('lang') ?? navigator.language) ??
  DEFAULT_LANGUAGE;
const t = translator(language);
document.documentElement.lang = language;
document.title = t('simulator.title');

const style = document.createElement('style');
style.textContent = `
*{box-sizing:border-box}body{margin:0;font-family:system-ui,-apple-system,"PingFang SC","Noto Sans CJK SC",sans-serif;background:#ededed;font-size:17px}
header{background:#2e7d32;color:#fff;padding:12px 16px}header h1{margin:0;font-size:20px}header p{margin:4px 0 0;font-size:14px;opacity:.9}
.bar{display:flex;gap:8px;padding:8px 12px;background:#f7f7f7;border-bottom:1px solid #ddd;flex-wrap:wrap}
.bar label{display:flex;flex-direction:column;font-size:13px;color:#555;flex:1;min-width:140px}
select,input,button{font-size:17px;padding:8px;border-radius:8px;border:1px solid #ccc}
main{padding:12px;display:flex;flex-direction:column;gap:10px;min-height:calc(100vh - 260px);padding-bottom:90px}
.msg{max-width:85%;display:flex;flex-direction:column}.msg .who{font-size:12px;color:#888;margin-bottom:2px}
.msg .bubble{background:#fff;padding:10px 12px;border-radius:10px;white-space:pre-wrap;word-break:break-word}
.msg.me{align-self:flex-end;align-items:flex-end}.msg.me .bubble{background:#95ec69}
.msg.bot .bubble{background:#e3f2fd}
form{position:fixed;bottom:0;left:0;right:0;display:flex;gap:8px;padding:10px;background:#f7f7f7;border-top:1px solid #ddd}
form input{flex:1}form button{background:#2e7d32;color:#fff;border:none;padding:8px 18px}
a.app{color:#fff;font-size:14px}
`;
document.head.append(style);

/** Creates an element with string properties (className, id, href…) and children. */
function el(tag: string, props: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElement {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props))
    node.setAttribute(key === 'className' ? 'class' : key, value);
  node.append(...children);
  return node;
}

const residentSelect = el('select', { id: 'resident' }) as HTMLSelectElement;
const groupSelect = el('select', { id: 'group' }) as HTMLSelectElement;
const transcript = el('main', { id: 'transcript' });
const input = el('input', {
  id: 'text',
  placeholder: t('simulator.placeholder'),
  autocomplete: 'off',
}) as HTMLInputElement;
const form = el('form', { id: 'composer' }, input, el('button', { type: 'submit' }, t('simulator.send')));

document
  .getElementById('root')!
  .append(
    el(
      'header',
      {},
      el('h1', {}, t('simulator.title')),
      el('p', {}, t('simulator.hint')),
      el('a', { className: 'app', href: '/app/' }, t('simulator.openApp')),
    ),
    el(
      'div',
      { className: 'bar' },
      el('label', {}, t('simulator.resident'), residentSelect),
      el('label', {}, t('simulator.group'), groupSelect),
    ),
    transcript,
    form,
  );

let directory: Directory = { community: null, residents: [], groups: [] };
const events: SimulatorEvent[] = [];
let lastSeq = 0;

function render() {
  const groupId = groupSelect.value;
  const me = residentSelect.value;
  transcript.replaceChildren(
    ...events
      .filter((e) => e.groupId === groupId)
      .map((e) => {
        const kind = e.senderId === null ? 'bot' : e.senderId === me ? 'me' : 'other';
        const who = e.senderId === null ? t('simulator.bot') : e.senderName;
        return el(
          'div',
          { className: `msg ${kind}` },
          el('span', { className: 'who' }, who),
          el('div', { className: 'bubble' }, e.text),
        );
      }),
  );
  window.scrollTo(0, document.body.scrollHeight);
}

async function poll() {
  for (;;) {
    try {
      const res = await fetch(`/simulator/api/events?after=${lastSeq}&wait=20000`);
      const body = (await res.json()) as { events: SimulatorEvent[] };
      for (const e of body.events) {
        events.push(e);
        lastSeq = Math.max(lastSeq, e.seq);
      }
      if (body.events.length) render();
    } catch {
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = input.value.trim();
  const resident = directory.residents.find((r) => r.platformId === residentSelect.value);
  const group = directory.groups.find((g) => g.platformGroupId === groupSelect.value);
  if (!text || !resident || !group) return;
  input.value = '';
  void fetch('/simulator/api/say', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'accept-language': language },
    body: JSON.stringify({
      senderId: resident.platformId,
      senderName: resident.name,
      groupId: group.platformGroupId,
      groupName: group.name,
      text,
    }),
  });
});
groupSelect.addEventListener('change', render);
residentSelect.addEventListener('change', render);

async function main() {
  const res = await fetch('/api/demo/directory?channel=simulator');
  directory = (await res.json()) as Directory;
  residentSelect.replaceChildren(
    ...directory.residents.map((r) =>
      el('option', { value: r.platformId }, r.address ? `${r.name} (${r.address})` : r.name),
    ),
  );
  groupSelect.replaceChildren(
    ...directory.groups.map((g) => el('option', { value: g.platformGroupId }, g.name)),
  );
  render();
  void poll();
}

void main();
