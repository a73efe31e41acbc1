import { invalidRequest } from './errors';
import type { ListPage } from './wire-types';

/** The cursor parameters every list endpoint takes. */
export interface ListQuery {
  limit: number;
  order: 'asc' | 'desc';
  after?: string;
  before?: string;
}

/** Default and largest `limit` of a list endpoint. */
export interface ListLimits {
  defaultLimit: number;
  maxLimit: number;
}

/** What most list endpoints take: 1..100, default 20. */
const STANDARD_LIMITS: ListLimits = { defaultLimit: 20, maxLimit: 100 };

/** `GET /files` is the exception: 1..10,000, default 10,000. */
export const FILE_LIST_LIMITS: ListLimits = { defaultLimit: 10_000, maxLimit: 10_000 };

/** Reads and checks `limit`, `order`, `after`, `before`, answering bad values as the service does. */
export function parseListQuery(query: URLSearchParams, limits: ListLimits = STANDARD_LIMITS): ListQuery {
  const order = query.get('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') {
    throw invalidRequest(`Invalid value: '${order}'. Supported values are: 'asc' and 'desc'.`, 'order', 'invalid_value');
  }
  return {
    limit: parseLimit(query.get('limit'), limits),
    order,
    after: query.get('after') ?? undefined,
    before: query.get('before') ?? undefined,
  };
}

function parseLimit(raw: string | null, { defaultLimit, maxLimit }: ListLimits): number {
  if (raw === null) return defaultLimit;
  if (!/^-?\d+$/.test(raw.trim())) {
    const got = /^-?\d*\.\d+$/.test(raw.trim()) ? 'a decimal' : 'a string';
    throw invalidRequest(`Invalid type for 'limit': expected an integer, but got ${got} instead.`, 'limit', 'invalid_type');
  }
  const limit = Number(raw);
  if (limit < 1) {
    throw invalidRequest(
      `Invalid 'limit': integer below minimum value. Expected a value >= 1, but got ${limit} instead.`,
      'limit',
      'integer_below_min_value',
    );
  }
  if (limit > maxLimit) {
    throw invalidRequest(
      `Invalid 'limit': integer above maximum value. Expected a value <= ${maxLimit}, but got ${limit} instead.`,
      'limit',
      'integer_above_max_value',
    );
  }
  return limit;
}

/**
 * One page of `items` (given oldest first) with the service's cursor semantics: the list is sorted by
 * `order`; `after` starts right after that id, `before` ends right before it (the page closest to the
 * cursor), and `has_more` says whether more items lie beyond the page in the direction of travel.
 * An unknown cursor id yields an empty page.
 */
export function paginate<T extends { id: string }>(itemsOldestFirst: readonly T[], query: ListQuery): ListPage<T> {
  const sorted = query.order === 'asc' ? [...itemsOldestFirst] : [...itemsOldestFirst].reverse();
  let page: T[];
  let hasMore: boolean;
  if (query.after !== undefined) {
    const index = sorted.findIndex((item) => item.id === query.after);
    const rest = index < 0 ? [] : sorted.slice(index + 1);
    const end = query.before === undefined ? rest.length : indexOrLength(rest, query.before);
    const window = rest.slice(0, end);
    page = window.slice(0, query.limit);
    hasMore = window.length > query.limit;
  } else if (query.before !== undefined) {
    const index = sorted.findIndex((item) => item.id === query.before);
    const preceding = index < 0 ? [] : sorted.slice(0, index);
    page = preceding.slice(Math.max(0, preceding.length - query.limit));
    hasMore = preceding.length > query.limit;
  } else {
    page = sorted.slice(0, query.limit);
    hasMore = sorted.length > query.limit;
  }
  return {
    object: 'list',
    data: page,
    first_id: page[0]?.id ?? null,
    last_id: page[page.length - 1]?.id ?? null,
    has_more: hasMore,
  };
}

function indexOrLength<T extends { id: string }>(items: readonly T[], id: string): number {
  const index = items.findIndex((item) => item.id === id);
  return index < 0 ? items.length : index;
}
