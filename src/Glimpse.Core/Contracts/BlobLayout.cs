using System.Text.RegularExpressions;

namespace Glimpse.Core.Contracts;

/// <summary>
/// Where everything lives. Containers: <c>glimpse-jobs</c> (what clients upload), <c>glimpse-results</c> (what the
/// pipeline writes back), <c>glimpse-audits</c> (audit suites and runs), <c>glimpse-models</c> (model folders to cache).
/// <code>
/// glimpse-jobs/jobs/{jobId}/{image}          the image(s), uploaded first
/// glimpse-jobs/jobs/{jobId}/job.json         the manifest, uploaded last: its arrival commits the job
/// glimpse-results/{jobId}/status.json        the status record
/// glimpse-results/{jobId}/result.json        on success, with heatmap.png, overlay.png and report.html
/// glimpse-results/{jobId}/geometry.json      beside a result.json 1.x only: older workers wrote it, audits still read it
/// glimpse-results/{jobId}/failure.json       on failure
/// </code>
/// </summary>
public static partial class BlobLayout
{
    public const string JobsContainer = "glimpse-jobs";
    public const string ResultsContainer = "glimpse-results";
    public const string AuditsContainer = "glimpse-audits";
    public const string ModelsContainer = "glimpse-models";

    public const string ManifestFileName = "job.json";
    private const string JobsPrefix = "jobs/";

    /// <summary>Lower-case letters, digits and hyphens, starting with a letter or digit, at most 63 characters: safe in a blob name, a URL and a message id.</summary>
    public const string JobIdPattern = "^[a-z0-9][a-z0-9-]{0,62}$";

    [GeneratedRegex(JobIdPattern)]
    private static partial Regex JobIdRegex();

    public static bool IsValidJobId(string? jobId) => jobId is not null && JobIdRegex().IsMatch(jobId);

    public static string ManifestBlob(string jobId) => $"{JobFolder(jobId)}{ManifestFileName}";

    /// <param name="imageName">The manifest's <c>image</c>, a name relative to the job folder (already validated).</param>
    public static string ImageBlob(string jobId, string imageName) => $"{JobFolder(jobId)}{imageName}";

    /// <summary>
    /// The job id of a manifest blob name (<c>jobs/{jobId}/job.json</c>, relative to the jobs container), or null for
    /// any other blob: images, or names that break the job-id rule.
    /// </summary>
    public static string? JobIdOfManifest(string blobName)
    {
        ArgumentNullException.ThrowIfNull(blobName);
        if (!blobName.StartsWith(JobsPrefix, StringComparison.Ordinal) || !blobName.EndsWith("/" + ManifestFileName, StringComparison.Ordinal))
            return null;
        string jobId = blobName[JobsPrefix.Length..^(ManifestFileName.Length + 1)];
        return IsValidJobId(jobId) ? jobId : null;
    }

    public static string StatusBlob(string jobId) => ResultName(jobId, "status.json");
    public static string FailureBlob(string jobId) => ResultName(jobId, "failure.json");
    /// <summary>The map's geometry 1.0 (<see cref="Results.MapGeometry"/>) that older workers wrote beside result.json 1.x.</summary>
    public static string GeometryBlob(string jobId) => ResultName(jobId, "geometry.json");

    /// <summary>The result blob names of a job in the results container.</summary>
    public static ResultFiles ResultBlobs(string jobId) => new(
        ResultName(jobId, "result.json"), ResultName(jobId, "overlay.png"), ResultName(jobId, "heatmap.png"), ResultName(jobId, "report.html"));

    private static string JobFolder(string jobId) => $"{JobsPrefix}{RequireJobId(jobId)}/";

    private static string ResultName(string jobId, string file) => $"{RequireJobId(jobId)}/{file}";

    private static string RequireJobId(string jobId) => IsValidJobId(jobId)
        ? jobId
        : throw new ArgumentException($"'{jobId}' is not a job id (it must match {JobIdPattern})", nameof(jobId));
}
