/** Small DOM helpers: elements from tags, attributes and children; no framework. */

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | ((e: Event) => void)>;

/** `el('button', { class: 'x', onclick: f }, 'text')`: attributes (on* are listeners; false/null skip), then children. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (typeof v === 'function') node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  append(node, ...children);
  return node;
}

/** Appends children (text for strings and numbers; falsy ones skipped). */
export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/** Replaces an element's children. */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

/** A labelled form field. */
export function field(label: string, control: HTMLElement, hint?: string): HTMLLabelElement {
  return el('label', { class: 'field' }, el('span', { class: 'field-label' }, label), control, hint !== undefined ? el('span', { class: 'hint' }, hint) : null);
}

/** A `<select>` of [value, text] options. */
export function select(name: string, options: readonly (readonly [string, string])[], value?: string): HTMLSelectElement {
  const s = el('select', { name });
  for (const [v, t] of options) s.appendChild(el('option', { value: v, selected: v === value }, t));
  return s;
}

/** A message line: info, ok, warn or error (errors also carry role=alert). */
export function message(kind: 'info' | 'ok' | 'warn' | 'error', text: string): HTMLParagraphElement {
  return el('p', { class: `msg msg-${kind}`, role: kind === 'error' ? 'alert' : null }, text);
}
