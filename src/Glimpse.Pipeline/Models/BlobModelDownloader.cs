using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;

namespace Glimpse.Pipeline.Models;

/// <summary>A model folder in the local cache, and whether this call downloaded it (false: it was already cached).</summary>
public sealed record CachedModel(string ModelId, string Folder, bool Downloaded);

/// <summary>
/// Copies model folders from the models container (<c>{modelId}/…</c>) into a local cache folder, once. A model is
/// downloaded into a hidden temporary folder beside the cache and renamed into place when every file is there, so a
/// cached folder is always whole: an interrupted download leaves nothing a catalog would list (its name starts with
/// '.', which no model id may), and the next start downloads it again.
/// </summary>
public sealed partial class BlobModelDownloader(BlobServiceClient service, ModelSourceOptions options, ILogger<BlobModelDownloader> logger)
{
    private const string PartialPrefix = ".partial-";
    private readonly BlobContainerClient _container = service.GetBlobContainerClient(options.Container);

    public string CacheFolder => options.CacheFolder;

    /// <summary>The model ids in the container: top-level folders that hold a config.json.</summary>
    public async Task<IReadOnlyList<string>> ListModelIdsAsync(CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        await foreach (var item in _container.GetBlobsByHierarchyAsync(BlobTraits.None, BlobStates.None, "/", null, cancellationToken).ConfigureAwait(false))
        {
            if (!item.IsPrefix) continue;
            string id = item.Prefix.TrimEnd('/');
            if (!ModelFolders.IsValidModelId(id)) continue;
            if ((await _container.GetBlobClient($"{id}/config.json").ExistsAsync(cancellationToken).ConfigureAwait(false)).Value) ids.Add(id);
        }
        return ids;
    }

    /// <summary>Every model of the container in the cache; returns the cache folder, ready for the worker's model catalog.</summary>
    public async Task<string> EnsureAllAsync(CancellationToken cancellationToken)
    {
        foreach (string id in await ListModelIdsAsync(cancellationToken).ConfigureAwait(false))
            await EnsureAsync(id, cancellationToken).ConfigureAwait(false);
        return options.CacheFolder;
    }

    /// <summary>The model's cached folder, downloading it first when it is not cached.</summary>
    public async Task<CachedModel> EnsureAsync(string modelId, CancellationToken cancellationToken)
    {
        if (!ModelFolders.IsValidModelId(modelId)) throw new ArgumentException($"'{modelId}' is not a model id.", nameof(modelId));
        string target = Path.Combine(options.CacheFolder, modelId);
        if (Directory.Exists(target)) return new CachedModel(modelId, target, Downloaded: false);

        Directory.CreateDirectory(options.CacheFolder);
        string partial = Path.Combine(options.CacheFolder, $"{PartialPrefix}{modelId}-{Guid.NewGuid():N}");
        try
        {
            long bytes = await DownloadFilesAsync(modelId, partial, cancellationToken).ConfigureAwait(false);
            try
            {
                Directory.Move(partial, target);
            }
            catch (IOException) when (Directory.Exists(target))
            {
                // Another process finished the same model first; its copy is as whole as ours.
                return new CachedModel(modelId, target, Downloaded: false);
            }
            LogDownloaded(logger, modelId, bytes, target);
            return new CachedModel(modelId, target, Downloaded: true);
        }
        finally
        {
            if (Directory.Exists(partial)) Directory.Delete(partial, recursive: true);
        }
    }

    private async Task<long> DownloadFilesAsync(string modelId, string folder, CancellationToken cancellationToken)
    {
        string prefix = modelId + "/";
        string root = Path.GetFullPath(folder) + Path.DirectorySeparatorChar;
        long bytes = 0;
        int files = 0;
        await foreach (BlobItem blob in _container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, cancellationToken).ConfigureAwait(false))
        {
            string relative = blob.Name[prefix.Length..];
            // Blob names are free text: one with '..' segments must not write outside the model's folder.
            string path = Path.GetFullPath(Path.Combine(folder, relative.Replace('/', Path.DirectorySeparatorChar)));
            if (!path.StartsWith(root, StringComparison.Ordinal))
                throw new InvalidDataException($"Model blob '{blob.Name}' would be written outside the model folder.");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await _container.GetBlobClient(blob.Name).DownloadToAsync(path, cancellationToken).ConfigureAwait(false);
            bytes += blob.Properties.ContentLength ?? 0;
            files++;
        }
        if (files == 0) throw new InvalidOperationException($"Model '{modelId}' has no files in container '{options.Container}'.");
        return bytes;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {ModelId} downloaded ({Bytes} bytes) into {Folder}")]
    private static partial void LogDownloaded(ILogger logger, string modelId, long bytes, string folder);
}
