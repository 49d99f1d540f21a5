/** The lers web app: three views (Try a model, Results, Advisor) behind tabs, and what this browser offers. */
import './style.css';
import { EngineClient } from './engine/client.js';
import type { EnvironmentReport } from './engine/protocol.js';
import { el, replace } from './ui/dom.js';
import { advisorView } from './views/advisor.js';
import { environmentBanner } from './views/environment.js';
import { resultsView } from './views/results.js';
import { tryView } from './views/try.js';

const VIEWS = [
  ['try', 'Try a model'],
  ['results', 'Results'],
  ['advisor', 'Advisor'],
] as const;
type ViewName = (typeof VIEWS)[number][0];

async function start(): Promise<void> {
  const root = document.getElementById('app')!;
  const banner = el('section', { class: 'environment', 'data-name': 'environment' }, 'Checking what this browser offers...');
  const nav = el('nav', { class: 'tabs', role: 'tablist' });
  const main = el('main');
  replace(root, el('header', {}, el('h1', {}, 'lers'), el('p', { class: 'tagline' }, 'Lightweight embedding-based recommenders, compressed, served and measured in your browser.'), nav), banner, main);
  const probe = new EngineClient();
  let env: EnvironmentReport;
  try {
    env = await probe.call({ kind: 'env' });
  } finally {
    probe.stop();
  }
  replace(banner, ...environmentBanner(env));
  const views: Record<ViewName, HTMLElement> = { try: tryView(env), results: resultsView(), advisor: advisorView(env) };
  const tabs = new Map<ViewName, HTMLButtonElement>();
  for (const [name, title] of VIEWS) {
    const b = el('button', { type: 'button', role: 'tab', 'data-view': name, onclick: () => { location.hash = name; } }, title);
    tabs.set(name, b);
    nav.appendChild(b);
    views[name].hidden = true;
    main.appendChild(views[name]);
  }
  const show = (): void => {
    const name = (VIEWS.find(([n]) => `#${n}` === location.hash)?.[0] ?? 'try');
    for (const [n] of VIEWS) {
      views[n].hidden = n !== name;
      tabs.get(n)!.setAttribute('aria-selected', String(n === name));
    }
  };
  window.addEventListener('hashchange', show);
  show();
  document.body.dataset.ready = 'true';
}

start().catch((err: unknown) => {
  const root = document.getElementById('app')!;
  root.appendChild(el('p', { class: 'msg msg-error', role: 'alert' }, `The app failed to start: ${(err as Error).message}`));
});
