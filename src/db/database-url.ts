/** Which engine a DATABASE_URL names: a SQLite file (`file:`) or a PostgreSQL server (`postgres://`, `postgresql://`). */
export type Engine = 'sqlite' | 'postgres';

export function databaseEngine(url: string): Engine | null {
  if (/^file:./.test(url)) return 'sqlite';
  if (/^postgres(ql)?:\/\//.test(url)) return 'postgres';
  return null;
}

/** `postgresql://user:secret@host/db` → `postgresql://user:***@host/db`: messages and logs never carry the password. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.password) return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
  }
}
