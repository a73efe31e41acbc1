/**
 * HTML built by a tagged template that escapes everything interpolated: tool arguments, messages
 * and reasons are untrusted (model output, or what another person typed), so nothing reaches the
 * page unescaped unless it was itself built by `html`.
 */

/** Markup that is already safe to emit (made by {@link html} or {@link rawHtml}). */
export class SafeHtml {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text escaped for an element's content or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ENTITIES[character]!);
}

/**
 * `html\`<p>${value}</p>\``: strings, numbers and anything else are escaped; SafeHtml is kept; arrays
 * are rendered item by item; undefined, null and false render nothing.
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let text = strings[0]!;
  values.forEach((value, index) => {
    text += render(value) + strings[index + 1]!;
  });
  return new SafeHtml(text);
}

/** Markup from a trusted constant (never from data). */
export function rawHtml(text: string): SafeHtml {
  return new SafeHtml(text);
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === undefined || value === null || value === false) return '';
  return escapeHtml(String(value));
}
