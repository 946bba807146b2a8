using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Glimpse.Core.Contracts;
using Glimpse.Core.Validation;
using Glimpse.Pipeline.Storage;
using Microsoft.Extensions.Logging;

namespace Glimpse.Pipeline.Handlers;

public enum InboxDecision
{
    /// <summary>The image and a manifest were written to a new job folder; ingest takes it from there.</summary>
    Submitted,
    /// <summary>This upload's job already has its manifest (the event arrived twice): nothing written.</summary>
    Duplicate,
    /// <summary>The image is too large to copy: the job failed at once, with its failure result and completion event.</summary>
    Rejected,
    /// <summary>Not an inbox blob, or it vanished before it could be read.</summary>
    Ignored,
}

public sealed record InboxOutcome(InboxDecision Decision, string? JobId, string? Reason);

/// <summary>
/// The one-blob shortcut: an image uploaded as <c>glimpse-jobs/inbox/{name}</c> whose metadata carries <c>prompt</c>
/// (and optionally <c>model</c>, <c>method</c>, <c>max_new_tokens</c>, <c>correlation_id</c>) becomes an ordinary job.
/// The handler copies the image into a job folder and writes the manifest last, whose arrival then triggers ingest as
/// any upload does, so validation, results and the completion event are exactly those of the full contract.
/// <para>
/// The job id is derived from the blob's name and ETag: the same upload seen twice is the same job (the manifest is
/// created once), while a new upload under the same name is a new job. The client finds its job by correlation id
/// (the metadata's, else the inbox blob name) in the completion event, or by the <c>inbox_blob</c> tag.
/// </para>
/// </summary>
public sealed partial class InboxHandler(BlobServiceClient service, JobFinalizer finalizer, ImageLimits imageLimits, InboxOptions options,
    ILogger<InboxHandler> logger)
{
    public const string Prefix = "inbox/";
    /// <summary>The tag naming the inbox blob a job came from.</summary>
    public const string InboxBlobTag = "inbox_blob";

    private readonly BlobContainerClient _jobs = service.GetBlobContainerClient(BlobLayout.JobsContainer);

    /// <summary>The job id for an inbox upload: readable (from the file name) and unique per upload (from the ETag).</summary>
    public static string JobIdFor(string blobName, ETag etag)
    {
        ArgumentNullException.ThrowIfNull(blobName);
        // At most "inbox-" + 40 + "-" + 16 = 63 characters, the job id limit.
        var readable = new StringBuilder();
        foreach (char c in Path.GetFileNameWithoutExtension(blobName).ToLowerInvariant())
        {
            if (readable.Length >= 40) break;
            if (char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c)) readable.Append(c);
            else if (readable.Length > 0 && readable[^1] != '-') readable.Append('-');
        }
        string name = readable.ToString().Trim('-');
        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{blobName}\n{etag}")))[..16];
        return name.Length == 0 ? $"inbox-{hash}" : $"inbox-{name}-{hash}";
    }

    public async Task<InboxOutcome> HandleAsync(string blobName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blobName);
        if (!blobName.StartsWith(Prefix, StringComparison.Ordinal) || blobName.Length == Prefix.Length)
            return new InboxOutcome(InboxDecision.Ignored, null, $"'{blobName}' is not under {Prefix}");
        var source = _jobs.GetBlobClient(blobName);
        BlobProperties properties;
        try
        {
            properties = (await source.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return new InboxOutcome(InboxDecision.Ignored, null, $"'{blobName}' no longer exists");
        }

        string jobId = JobIdFor(blobName, properties.ETag);
        var manifestBlob = _jobs.GetBlobClient(BlobLayout.ManifestBlob(jobId));
        if ((await manifestBlob.ExistsAsync(cancellationToken).ConfigureAwait(false)).Value)
        {
            LogDuplicate(logger, blobName, jobId);
            return new InboxOutcome(InboxDecision.Duplicate, jobId, null);
        }

        var metadata = new Dictionary<string, string>(properties.Metadata, StringComparer.OrdinalIgnoreCase);
        string imageName = ImageNameFor(blobName);
        string correlationId = metadata.GetValueOrDefault("correlation_id") ?? Shorten(blobName, 128);
        var tags = new Dictionary<string, string> { [InboxBlobTag] = Shorten(blobName, 256) };
        if (properties.ContentLength > imageLimits.MaxBytes)
        {
            // Not copied, so ingest would only see a missing image: the real reason is recorded here instead.
            string reason = $"the inbox image is {properties.ContentLength} bytes; the limit is {imageLimits.MaxBytes}";
            await finalizer.FailAsync(jobId, FailureStage.Ingest, [reason],
                new JobEcho(metadata.GetValueOrDefault("model") ?? options.DefaultModel, metadata.GetValueOrDefault("method"), correlationId, tags),
                attempt: 0, cancellationToken).ConfigureAwait(false);
            return new InboxOutcome(InboxDecision.Rejected, jobId, reason);
        }

        // The download is pinned to the ETag the job id came from, so the job holds exactly that upload.
        BinaryData image;
        try
        {
            image = (await source.DownloadContentAsync(new BlobDownloadOptions { Conditions = new BlobRequestConditions { IfMatch = properties.ETag } },
                cancellationToken).ConfigureAwait(false)).Value.Content;
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            return new InboxOutcome(InboxDecision.Ignored, null, $"'{blobName}' changed or vanished while it was read; its new version has its own event");
        }
        await BlobOperations.TryCreateAsync(_jobs.GetBlobClient(BlobLayout.ImageBlob(jobId, imageName)), image, properties.ContentType, cancellationToken).ConfigureAwait(false);

        var manifest = new JsonObject
        {
            ["schema_version"] = JobManifest.CurrentSchemaVersion,
            ["prompt"] = metadata.GetValueOrDefault("prompt"),
            ["image"] = imageName,
            ["model"] = metadata.GetValueOrDefault("model") ?? options.DefaultModel,
            ["correlation_id"] = correlationId,
            ["tags"] = new JsonObject(tags.Select(t => KeyValuePair.Create(t.Key, (JsonNode?)t.Value))),
        };
        if (metadata.GetValueOrDefault("method") is { } method) manifest["method"] = method;
        // A number that does not parse stays text, so validation names the field rather than the shortcut guessing.
        if (metadata.GetValueOrDefault("max_new_tokens") is { } tokens)
            manifest["max_new_tokens"] = int.TryParse(tokens, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : tokens;

        bool created = await BlobOperations.TryCreateAsync(manifestBlob, BinaryData.FromString(manifest.ToJsonString()), "application/json", cancellationToken).ConfigureAwait(false);
        if (!created) return new InboxOutcome(InboxDecision.Duplicate, jobId, null);
        LogSubmitted(logger, blobName, jobId);
        return new InboxOutcome(InboxDecision.Submitted, jobId, null);
    }

    /// <summary>"inbox/photos/cat.JPG" → "image.jpg": the job folder's image keeps only an extension that is safe in a name.</summary>
    private static string ImageNameFor(string blobName)
    {
        string extension = Path.GetExtension(blobName).ToLowerInvariant();
        string name = "image" + extension;
        return extension.Length is > 1 and <= 6 && ImageNameRules.Problem(name) is null ? name : "image";
    }

    private static string Shorten(string text, int maxChars) => text.Length <= maxChars ? text : text[^maxChars..];

    [LoggerMessage(Level = LogLevel.Information, Message = "Inbox blob {BlobName} submitted as job {JobId}")]
    private static partial void LogSubmitted(ILogger logger, string blobName, string jobId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Inbox blob {BlobName}: job {JobId} already submitted")]
    private static partial void LogDuplicate(ILogger logger, string blobName, string jobId);
}
