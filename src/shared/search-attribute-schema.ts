/** The input field that says how a workflow keeps agentrun's search attributes (see `SearchAttributeSetting`). */
import { z } from 'zod/v4/mini';
import { SEARCH_ATTRIBUTE_PREFIX_PATTERN } from './search-attributes';
import { text } from './schema-on-demand';

/** `false` (none) or `{ prefix }`; absent means agentrun's own names. */
export function searchAttributeSettingSchema() {
  return z.union([
    z.literal(false),
    z.strictObject({
      prefix: text(z.regex(SEARCH_ATTRIBUTE_PREFIX_PATTERN, 'searchAttributes.prefix starts with a letter, then letters, digits or _ (at most 32), e.g. Acme')),
    }),
  ]);
}
