/** Returns the database named in the path of a MongoDB connection string, or undefined. */
export function databaseInUrl(url: string): string | undefined {
  const match = /^mongodb(?:\+srv)?:\/\/[^/]*\/([^?]*)/.exec(url);
  const name = match === null ? '' : decodeURIComponent(match[1]);
  return name === '' ? undefined : name;
}

/** Returns `url` with its password replaced by `***`, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
