import type BetterSqlite3 from 'better-sqlite3';

/** The raw SQLite handle (better-sqlite3), for the code that needs prepared statements. */
export type Sqlite = BetterSqlite3.Database;
