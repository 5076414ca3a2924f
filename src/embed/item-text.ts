/** The text of an item that encoders read: one rule for the catalog, the index and evaluation. */
import type { Item } from '../core/schema.js';

/**
 * Title, brand and category path, then the description: the fields a shopper reads first come
 * first, because encoders read a bounded window. A field already contained in the description
 * (importers of UniSRec-style data keep the whole text there) is not repeated.
 */
export function itemText(item: Pick<Item, 'title' | 'brand' | 'categories' | 'description'>): string {
  const description = item.description?.trim() ?? '';
  const parts: string[] = [];
  for (const field of [item.title, item.brand, item.categories?.join(' > ')]) {
    const value = field?.trim();
    if (value && !description.includes(value)) parts.push(value);
  }
  if (description) parts.push(description);
  return parts.join('. ');
}
