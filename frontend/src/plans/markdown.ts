/** A section's Markdown as HTML, the way the printable handbook renders it (markdown-it
 * with raw HTML off: plan text never becomes markup; links are checked by markdown-it). */
import MarkdownIt from "markdown-it";

const md = new MarkdownIt({ html: false, linkify: false, breaks: false });

export function renderMarkdown(text: string): string {
  return md.render(text ?? "");
}
