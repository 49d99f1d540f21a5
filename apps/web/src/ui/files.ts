/** Getting bytes into the page: a file picker, drag and drop, or a URL. */
import { el } from './dom.js';

/** A dropped or picked file's name and bytes. */
export interface LoadedFile {
  readonly name: string;
  readonly bytes: Uint8Array;
}

async function read(file: File): Promise<LoadedFile> {
  return { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) };
}

/** Fetches a URL's bytes (relative URLs against the page); an HTTP error names the URL and status. */
export async function fetchBytes(url: string): Promise<LoadedFile> {
  const absolute = new URL(url, document.baseURI);
  const response = await fetch(absolute);
  if (!response.ok) throw new Error(`${absolute.href}: HTTP ${response.status} ${response.statusText}`);
  const name = decodeURIComponent(absolute.pathname.split('/').pop() ?? '') || absolute.href;
  return { name, bytes: new Uint8Array(await response.arrayBuffer()) };
}

/**
 * A drop zone with a file picker and a URL field: `onFiles` gets what was chosen; `onError` any
 * failure to read or fetch it.
 */
export function fileSource(options: { name: string; accept: string; multiple?: boolean; prompt: string; urlPlaceholder: string; onFiles: (files: LoadedFile[]) => void; onError: (err: Error) => void }): HTMLElement {
  const input = el('input', { type: 'file', accept: options.accept, multiple: options.multiple === true, 'data-name': `${options.name}-file` });
  const take = (list: FileList | null): void => {
    if (list === null || list.length === 0) return;
    Promise.all(Array.from(list).map(read)).then(options.onFiles, options.onError);
  };
  input.addEventListener('change', () => { take(input.files); input.value = ''; });
  const url = el('input', { type: 'url', placeholder: options.urlPlaceholder, 'data-name': `${options.name}-url`, 'aria-label': `${options.name} URL` });
  const go = el('button', { type: 'button', 'data-name': `${options.name}-fetch` }, 'Fetch');
  const fetchIt = (): void => {
    if (url.value.trim() === '') return;
    fetchBytes(url.value.trim()).then((f) => { options.onFiles([f]); }, options.onError);
  };
  go.addEventListener('click', fetchIt);
  url.addEventListener('keydown', (e) => { if (e.key === 'Enter') fetchIt(); });
  const zone = el('div', { class: 'drop', tabindex: 0 }, el('span', {}, options.prompt), input, el('span', { class: 'or' }, 'or'), url, go);
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => { zone.classList.remove('over'); });
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    take(e.dataTransfer?.files ?? null);
  });
  return zone;
}
