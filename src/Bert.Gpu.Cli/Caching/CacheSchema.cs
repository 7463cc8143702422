using Microsoft.Data.Sqlite;

namespace Bert.Gpu.Cli.Caching;

/// <summary>
/// The layout of a cache file, and how a file is told to be one: SQLite's header fields <c>application_id</c> (ours
/// is "BGPC") and <c>user_version</c> (the layout's version) and the two tables. The bytes of rows are kept in
/// <c>state</c>, updated in the transaction that changes them, so the cap is checked without a scan of the file.
/// </summary>
internal static class CacheSchema
{
    /// <summary>"BGPC" in ASCII: what <c>PRAGMA application_id</c> holds in our files.</summary>
    public const long ApplicationId = 0x42475043;

    /// <summary>The layout this build reads and writes.</summary>
    public const long Version = 1;

    private const string Create = """
        CREATE TABLE rows (id INTEGER PRIMARY KEY, key BLOB NOT NULL UNIQUE, width INTEGER NOT NULL, row BLOB NOT NULL,
                           checksum INTEGER NOT NULL, used INTEGER NOT NULL);
        CREATE INDEX rows_by_use ON rows (used);
        CREATE TABLE state (id INTEGER PRIMARY KEY CHECK (id = 1), clock INTEGER NOT NULL, bytes INTEGER NOT NULL);
        INSERT INTO state VALUES (1, 0, 0);
        """;

    /// <summary>
    /// Readies <paramref name="connection"/>'s file: an empty one gets the layout; ours is left as it is. Returns null
    /// when the file is usable, else why not (a foreign or other-version database), in words for a warning.
    /// </summary>
    /// <exception cref="SqliteException">The file is not an SQLite database, or is damaged (<see cref="IsCorruption"/>).</exception>
    public static string? Ready(SqliteConnection connection)
    {
        var applicationId = Scalar(connection, "PRAGMA application_id");
        var version = Scalar(connection, "PRAGMA user_version");
        var objects = Scalar(connection, "SELECT count(*) FROM sqlite_schema");
        if (applicationId == 0 && version == 0 && objects == 0)
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = $"PRAGMA application_id = {ApplicationId}; PRAGMA user_version = {Version}; {Create}";
            command.ExecuteNonQuery();
            transaction.Commit();
            return null;
        }
        if (applicationId != ApplicationId)
            return $"is an SQLite database of another application (application_id {applicationId}, {objects} schema objects), not an embedding cache";
        if (version != Version)
            return $"is an embedding cache of layout version {version}; this build reads version {Version}";
        var tables = Scalar(connection, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN ('rows', 'state')");
        var states = tables == 2 ? Scalar(connection, "SELECT count(*) FROM state WHERE id = 1") : 0;
        return states == 1 ? null : "is marked as an embedding cache but lacks its tables";
    }

    /// <summary>SQLite's verdict that a file is not a database (SQLITE_NOTADB, 26) or is damaged (SQLITE_CORRUPT, 11).</summary>
    public static bool IsCorruption(SqliteException e) => e.SqliteErrorCode is 11 or 26;

    /// <summary>The first column of the first row of <paramref name="sql"/>, as an integer.</summary>
    public static long Scalar(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
