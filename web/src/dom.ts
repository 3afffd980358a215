// Small DOM helpers: elements built from a tag, attributes and children, never from HTML
// strings, so that a log line or a label value can never inject markup.

type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | number | boolean | EventListener | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') {
      el.addEventListener(name.replace(/^on/, ''), value);
    } else if (name === 'class') {
      el.className = String(value);
    } else if (value === true) {
      el.setAttribute(name, '');
    } else {
      el.setAttribute(name, String(value));
    }
  }
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

export function clear(el: Element): void {
  el.replaceChildren();
}

// A label set as PromQL and LogQL write it: {a="1", b="2"}.
export function formatLabels(labels: Record<string, string>, skipName = false): string {
  const parts = Object.keys(labels).sort()
    .filter((k) => !(skipName && k === '__name__'))
    .map((k) => `${k}=${JSON.stringify(labels[k])}`);
  const name = skipName ? labels['__name__'] ?? '' : '';
  return `${name}{${parts.join(', ')}}`;
}
