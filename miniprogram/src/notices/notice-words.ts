/** The staff notice pages' hashes. */
export const LIST_HASH = '#/staff/notices';
export const COMPOSE_HASH = '#/staff/notices/new';
export const detailHash = (id: string) => `#/staff/notices/${encodeURIComponent(id)}`;
