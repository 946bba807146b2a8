using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Glimpse.Core.Contracts;

namespace Glimpse.Pipeline.Audits;

/// <summary>
/// Where audits live in the <c>glimpse-audits</c> container, and how runs and their jobs are named.
/// <code>
/// glimpse-audits/{suite}/suite.json               a suite: its cases (AuditSuite), beside its images and references
/// glimpse-audits/{suite}/...                      the files suite.json names, relative to the suite folder
/// glimpse-audits/runs/{runId}/run.json            a run: every case × method and its job id (created once)
/// glimpse-audits/runs/{runId}/summary.json        the run's metrics, accuracy, failures and drift (created once)
/// glimpse-audits/runs/{runId}/report.html         the same as a self-contained page (created once, last)
/// </code>
/// A run id is the schedule slot's UTC time and a hash of the suite name (<c>20261128T031500Z-1a2b3c4d</c>): ids sort
/// by time, a timer that fires twice for one slot names the same run, and runs of one suite share their suffix.
/// </summary>
public static partial class AuditLayout
{
    public const string SuiteFileName = "suite.json";
    public const string RunsFolder = "runs";

    /// <summary>Lower-case letters, digits, '-', '_' and '.', starting with a letter or digit, at most 63 characters; not <see cref="RunsFolder"/>.</summary>
    public const string SuiteNamePattern = "^[a-z0-9][a-z0-9._-]{0,62}$";

    /// <summary>The slot time (<c>yyyyMMddTHHmmssZ</c>) and 8 hex digits of the suite name's hash.</summary>
    public const string RunIdPattern = "^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}$";

    private const string RunTimeFormat = "yyyyMMdd'T'HHmmss'Z'";

    [GeneratedRegex(SuiteNamePattern)]
    private static partial Regex SuiteNameRegex();

    [GeneratedRegex(RunIdPattern)]
    private static partial Regex RunIdRegex();

    public static bool IsValidSuiteName(string? name) => name is not null && name != RunsFolder && SuiteNameRegex().IsMatch(name);

    public static bool IsValidRunId(string? runId) => runId is not null && RunIdRegex().IsMatch(runId);

    public static string SuiteBlob(string suite) => $"{RequireSuite(suite)}/{SuiteFileName}";

    /// <param name="path">A path from suite.json, relative to the suite folder (already validated).</param>
    public static string SuiteFile(string suite, string path) => $"{RequireSuite(suite)}/{path}";

    /// <summary>The run of <paramref name="suite"/> for the schedule slot <paramref name="scheduledTime"/> (to the second).</summary>
    public static string RunId(string suite, DateTimeOffset scheduledTime) =>
        $"{scheduledTime.UtcDateTime.ToString(RunTimeFormat, CultureInfo.InvariantCulture)}-{SuiteSuffix(suite)}";

    /// <summary>The start of the slot of length <paramref name="slotLength"/> that <paramref name="time"/> falls in, in UTC (slots are counted from midnight UTC).</summary>
    public static DateTimeOffset SlotOf(DateTimeOffset time, TimeSpan slotLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(slotLength, TimeSpan.Zero);
        long ticks = time.UtcTicks;
        long day = ticks - ticks % TimeSpan.TicksPerDay;
        return new DateTimeOffset(day + (ticks - day) / slotLength.Ticks * slotLength.Ticks, TimeSpan.Zero);
    }

    /// <summary>The suffix every run id of the suite ends with.</summary>
    public static string SuiteSuffix(string suite) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(RequireSuite(suite))))[..8];

    public static string RunFolder(string runId) => $"{RunsFolder}/{RequireRunId(runId)}/";
    public static string RunBlob(string runId) => RunFolder(runId) + "run.json";
    public static string SummaryBlob(string runId) => RunFolder(runId) + "summary.json";
    public static string ReportBlob(string runId) => RunFolder(runId) + "report.html";

    /// <summary>
    /// The job that runs <paramref name="caseId"/> with <paramref name="method"/> in run <paramref name="runId"/>: a hash,
    /// so it is the same on every try (a resubmission finds the job it made before) and a valid job id whatever the case
    /// id holds.
    /// </summary>
    public static string JobId(string runId, string caseId, string method)
    {
        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{RequireRunId(runId)}\n{caseId}\n{method}")));
        string jobId = "audit-" + hash[..24];
        return BlobLayout.IsValidJobId(jobId) ? jobId : throw new InvalidOperationException($"'{jobId}' is not a job id");
    }

    private static string RequireSuite(string suite) => IsValidSuiteName(suite)
        ? suite
        : throw new ArgumentException($"'{suite}' is not a suite name (it must match {SuiteNamePattern} and not be '{RunsFolder}')", nameof(suite));

    private static string RequireRunId(string runId) => IsValidRunId(runId)
        ? runId
        : throw new ArgumentException($"'{runId}' is not a run id (it must match {RunIdPattern})", nameof(runId));
}
