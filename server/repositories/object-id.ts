/** Whether a string from outside (a URL, a cookie) is a well-formed ObjectId, so it can be queried safely. */
export const isObjectId = (id: string): boolean => /^[0-9a-f]{24}$/i.test(id);
