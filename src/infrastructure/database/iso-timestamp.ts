/**
 * A timestamptz as the API writes it (`toISOString()`: UTC, milliseconds, `Z`), formatted by
 * PostgreSQL. Both truncate microseconds to milliseconds, so the text is the one
 * `new Date(value).toISOString()` would give; NULL stays NULL. For hot reads that return many
 * timestamps (a page of enrollment views carries a dozen per enrollment): parsing each into a
 * Date and formatting it again was a tenth of the app's CPU on a page of 50.
 */
export function isoTimestampSql(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}
