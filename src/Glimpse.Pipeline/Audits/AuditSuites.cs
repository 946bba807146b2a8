using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Glimpse.Core.Audits;
using Glimpse.Core.Evaluation;
using Glimpse.Core.Validation;

namespace Glimpse.Pipeline.Audits;

/// <summary>What <see cref="AuditSuites.UploadFromEvalFolderAsync"/> wrote: the suite's name, its cases and the files uploaded (suite.json last).</summary>
public sealed record AuditSuiteUpload(string Suite, int Cases, IReadOnlyList<string> Blobs);

/// <summary>Making suites: from a <c>glimpse eval</c> dataset folder, so one set of labelled images serves both.</summary>
public static class AuditSuites
{
    /// <summary>
    /// Uploads a dataset folder in the <see cref="EvalDataset"/> format (data.jsonl beside its images and references) as
    /// the suite <paramref name="suite"/>: every image and reference under the same relative path, then suite.json
    /// (written last, so a scheduled run never reads a suite whose files are still uploading). Each item becomes a case:
    /// id, image, question, <c>answer</c> as the expected answer, reference and its kind. An existing suite of that
    /// name is replaced file by file. The folder is checked first (<see cref="EvalDataset.Load"/>), and the suite that
    /// results is read back with <see cref="AuditSuiteReader"/>, so nothing is uploaded for a folder that would make a
    /// suite with problems.
    /// </summary>
    /// <param name="model">The suite's model id; null for the audit's configured default.</param>
    /// <param name="methods">The methods to explain with; null for GLIMPSE alone.</param>
    public static async Task<AuditSuiteUpload> UploadFromEvalFolderAsync(AuditStore store, string suite, string folder, string? model,
        IReadOnlyList<string>? methods, int? maxNewTokens, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (!AuditLayout.IsValidSuiteName(suite))
            throw new ArgumentException($"'{suite}' is not a suite name: {AuditLayout.SuiteNamePattern}, and not '{AuditLayout.RunsFolder}'", nameof(suite));
        var items = EvalDataset.Load(folder);

        var cases = new JsonArray();
        var files = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            string image = BlobPath(item.Image);
            string? reference = item.Reference is null ? null : BlobPath(item.Reference);
            var entry = new JsonObject { ["id"] = item.Id, ["image"] = image, ["question"] = item.Question };
            if (item.Answer is not null) entry["expected_answer"] = item.Answer;
            if (reference is not null)
            {
                entry["reference"] = reference;
                entry["reference_kind"] = item.ReferenceKind == ReferenceKind.Map ? "map" : "mask";
                files.Add(reference);
            }
            files.Add(image);
            cases.Add(entry);
        }
        var document = new JsonObject { ["schema_version"] = AuditSuite.CurrentSchemaVersion, ["description"] = $"Uploaded from the dataset folder {Path.GetFileName(Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar))}" };
        if (model is not null) document["model"] = model;
        if (methods is not null) document["methods"] = new JsonArray(methods.Select(m => (JsonNode?)JsonValue.Create(m)).ToArray());
        if (maxNewTokens is not null) document["max_new_tokens"] = maxNewTokens;
        document["cases"] = cases;
        byte[] json = Encoding.UTF8.GetBytes(document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

        var reading = AuditSuiteReader.Read(suite, json);
        var problems = reading.Problems.Concat(reading.Suite?.Cases.SelectMany(c => c.Problems) ?? []).ToList();
        if (problems.Count > 0)
            throw new InvalidDataException($"The folder '{folder}' does not make a valid suite:{Environment.NewLine}{string.Join(Environment.NewLine, problems)}");

        var uploaded = new List<string>();
        foreach (string file in files)
        {
            string blob = AuditLayout.SuiteFile(suite, file);
            await store.UploadSuiteFileAsync(blob, BinaryData.FromBytes(await File.ReadAllBytesAsync(Path.Combine(folder, file), cancellationToken).ConfigureAwait(false)),
                "application/octet-stream", cancellationToken).ConfigureAwait(false);
            uploaded.Add(blob);
        }
        string suiteBlob = AuditLayout.SuiteBlob(suite);
        await store.UploadSuiteFileAsync(suiteBlob, BinaryData.FromBytes(json), "application/json", cancellationToken).ConfigureAwait(false);
        uploaded.Add(suiteBlob);
        return new AuditSuiteUpload(suite, items.Count, uploaded);
    }

    /// <summary>A dataset path as a blob path: '/' separators; it must then be a valid image name (no '..', allowed characters only).</summary>
    private static string BlobPath(string path)
    {
        string blobPath = path.Replace('\\', '/');
        return ImageNameRules.Problem(blobPath) is { } problem
            ? throw new InvalidDataException($"the dataset path '{path}' cannot be a suite file: {problem}")
            : blobPath;
    }
}
